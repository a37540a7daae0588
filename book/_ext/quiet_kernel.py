"""Sphinx extension: run the build's notebook kernels over an encrypted transport.

ipykernel 7 warns on every start "Kernel is running over TCP without encryption" unless the
kernel manager provisions CurveZMQ keys (jupyter_client's ``transport_encryption`` policy,
"disabled" by default). myst-nb starts one kernel per notebook through nbclient and offers no
setting for it, so the build printed the warning once per notebook. This hook sets the policy
to "auto" on the kernel manager nbclient creates: jupyter_client then provisions keys when the
kernelspec declares Curve support (ipykernel's does) and libzmq has it, and the warning has
nothing to warn about. Kernels that do not declare support start as before.
"""

from __future__ import annotations

import functools

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def encrypt_kernels() -> bool:
    """Patch ``nbclient.NotebookClient.create_kernel_manager`` once; True if the policy can be set."""
    try:
        import zmq
        from nbclient import NotebookClient
    except ImportError:
        return False
    if not zmq.has("curve"):
        return False
    original = NotebookClient.create_kernel_manager
    if getattr(original, "_quiet_kernel", False):
        return True

    @functools.wraps(original)
    def create_kernel_manager(self):
        km = original(self)
        if km.has_trait("transport_encryption") and km.transport_encryption == "disabled":
            km.transport_encryption = "auto"
        return km

    create_kernel_manager._quiet_kernel = True
    NotebookClient.create_kernel_manager = create_kernel_manager
    return True


def setup(app):
    if not encrypt_kernels():
        LOGGER.info("quiet_kernel: this jupyter_client/pyzmq cannot encrypt the kernel transport; left as is")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
