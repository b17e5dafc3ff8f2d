"""Figures to PNG through one kept-open kaleido renderer per process.

Starting kaleido's browser costs seconds; an image from a running one costs about 0.2 s. So
the renderer starts on first use, stays open, and is shared (one image at a time) by every
report the process builds.
"""

from __future__ import annotations

import atexit
import threading

_lock = threading.Lock()
_started = False


def render_png(figure: dict, *, width: int = 1000, height: int = 420, scale: float = 2.0) -> bytes:
    """PNG bytes of a Plotly figure (a dict or a go.Figure)."""
    import kaleido

    global _started
    with _lock:
        if not _started:
            kaleido.start_sync_server(n=1, timeout=90)
            atexit.register(kaleido.stop_sync_server)
            _started = True
        return kaleido.calc_fig_sync(
            figure, opts={"format": "png", "width": width, "height": height, "scale": scale}
        )
