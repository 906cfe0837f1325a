"""A Jupyter kernel for report runs: this Python, isolated from the user's settings.

A report must render the same on a laptop with its own matplotlib style, a headless
server or a fresh virtual environment with no kernelspec installed. The runner therefore
does not look up a kernel by name: it writes a throwaway kernelspec whose ``argv`` is
:data:`sys.executable` and whose ``env`` points matplotlib, IPython and Jupyter at empty
temporary folders, and hands papermill a kernel manager for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

__all__ = ["KERNEL_NAME", "isolated_kernel", "kernel_env"]

KERNEL_NAME = "cmalt-qa-report"
"""Name of the throwaway kernelspec (it exists only during a run)."""


def kernel_env(root: Path) -> dict[str, str]:
    """Environment variables that isolate a kernel from user configuration.

    Parameters
    ----------
    root : Path
        An empty folder that lives as long as the kernel; sub-folders are created.

    Returns
    -------
    dict
        ``MPLBACKEND=Agg`` (no display needed, whatever the shell says); an empty
        ``MATPLOTLIBRC`` file and a fresh ``MPLCONFIGDIR`` (no user matplotlibrc, style
        library or font cache); fresh ``IPYTHONDIR`` and ``JUPYTER_CONFIG_DIR`` (no startup
        scripts or kernel config); ``PYTHONHASHSEED=0`` for stable set ordering.
    """
    mpl = root / "matplotlib"
    ipy = root / "ipython"
    cfg = root / "jupyter-config"
    for d in (mpl, ipy, cfg):
        d.mkdir(parents=True, exist_ok=True)
    rc = mpl / "matplotlibrc"
    rc.write_text("# empty: matplotlib defaults; the report applies its own style\n")
    return {
        "MPLBACKEND": "Agg",
        "MATPLOTLIBRC": str(rc),
        "MPLCONFIGDIR": str(mpl),
        "IPYTHONDIR": str(ipy),
        "JUPYTER_CONFIG_DIR": str(cfg),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONHASHSEED": "0",
    }


@contextlib.contextmanager
def isolated_kernel(python: str | None = None) -> Iterator[KernelManager]:
    """A kernel manager (not yet started) for an isolated kernel running ``python``.

    Parameters
    ----------
    python : str, optional
        Interpreter for the kernel; defaults to :data:`sys.executable`, the environment
        the toolkit runs in (so ``cmalt_qa`` imports the same code).

    Yields
    ------
    KernelManager
        Pass it to papermill as ``km=``; the kernel is shut down and the temporary
        folders removed on exit.
    """
    with tempfile.TemporaryDirectory(prefix="cmalt-qa-kernel-") as tmp:
        root = Path(tmp)
        spec_dir = root / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [
                python or sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ],
            "display_name": "cmalt-qa report (isolated)",
            "language": "python",
            "env": kernel_env(root / "home"),
            "metadata": {"debugger": False},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
        ksm = KernelSpecManager(kernel_dirs=[str(root / "kernels")])
        km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        if os.name == "posix":
            # Local sockets in the temporary folder: nothing listens on the network.
            km.transport = "ipc"
            km.ip = str(root / "kernel-ipc")
        try:
            yield km
        finally:
            with contextlib.suppress(Exception):
                if km.has_kernel and km.is_alive():
                    km.shutdown_kernel(now=True)
            with contextlib.suppress(Exception):
                km.cleanup_resources()
