"""neurotrace's benchmark suite: ``python -m benchmarks [--quick]``.

Everything is measured as a *ratio within one run* (this machine is shared and noisy, so
absolute times drift): neurotrace against Captum on the same circuit and inputs, each
method against a bare-numpy "floor" that computes the same numbers as plainly as possible,
plus time budgets, scaling curves and peak memory. Results go to ``benchmarks/RESULTS.md``
and ``benchmarks/results.json`` (the book's Performance page reads the JSON).

Modules: ``timing`` (interleaved medians), ``floors`` (the bare-numpy references),
``suite`` (the measurements), ``report`` (the markdown), ``__main__`` (the command line).
"""
