"""One place for the reference settings the harness and the gate share."""

SEEDS = 16  # the seed README's table: 16 seeds x 512 samples
SAMPLES = 512
NULL_SEEDS = 256  # a null cell's sd is ~0.18/sqrt(256) = 0.011, so 0.5 +/- 0.05 is > 4 sd
STRENGTH = 1.0

FALLS_BELOW = 0.9  # a fooled method's mean AUROC must drop below this on its decoy regime
RECOVERS = 0.99  # an unfooled causal method must stay at or above this everywhere
NULL_TOLERANCE = 0.05  # every scrambled-label cell within 0.5 +/- this
RANDOM_SE = 3.0  # the random baseline within this many standard errors of 0.5

# The gate re-checks every cell at these strengths too: a dissociation that holds only at
# the tuned point would be a coincidence, not a finding.
BAND = (0.75, 1.0, 1.5)

# The randomisation sanity check (re-draws W densely, so exact Shapley enumerates 2^12
# coalitions per unit: the costliest table, hence fewer samples).
SANITY_SEEDS = 8
SANITY_SAMPLES = 256
