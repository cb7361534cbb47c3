"""Can Qt open a real window here? Asked before anything is written, so a desktop without
Qt's xcb libraries gets one line naming the packages, not an abort in the middle of
making the first board. `python -m ui.platform_check` exits 1 with that line (make run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Debian's package for a shared library, where the usual rule (name + version) misses.
_PACKAGES = {"libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
             "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
             "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
             "libglib-2.0.so.0": "libglib2.0-0"}


def package_of(library: str) -> str:
    """libxcb-cursor.so.0 -> libxcb-cursor0 (Debian names a library package that way)."""
    if library in _PACKAGES:
        return _PACKAGES[library]
    match = re.fullmatch(r"(lib[\w+.-]+?)\.so\.(\d+).*", library)
    if not match:
        return library
    name, version = match.groups()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def _xcb_plugin() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    root = Path(PySide6.__file__).parent
    found = sorted(root.glob("Qt/plugins/platforms/libqxcb.so")) + sorted(
        root.glob("plugins/platforms/libqxcb.so"))
    return found[0] if found else None


def _load_failure(plugin: Path) -> str | None:
    """Why the plugin cannot be loaded here, or None when it can."""
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return str(exc)
    return None


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """Shared libraries the xcb platform plugin needs that this system lacks (ldd)."""
    plugin = plugin or _xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split("=>")[0].strip() for line in out.splitlines()
                   if line.strip().endswith("=> not found")})


def window_problem() -> str | None:
    """One line saying why no window can open here, or None when one can (or when another
    platform than X11 is asked for)."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc ...: Qt's own choice, not ours to check
    if not os.environ.get("DISPLAY"):
        if os.environ.get("WAYLAND_DISPLAY"):
            return None  # Qt's wayland plugin: nothing of X11 to check
        return ("no display to open a window on (DISPLAY is not set); the command-line "
                "subcommands (empty-chair --help) work without one")
    plugin = _xcb_plugin()
    if plugin is None:
        return None
    failure = _load_failure(plugin)
    if failure is None:
        return None  # the usual case costs one dlopen of libraries Qt loads anyway
    missing = missing_libraries(plugin)
    if not missing:  # not a missing package ldd can name: say what the loader said
        return f"Qt cannot open a window: its xcb platform plugin does not load ({failure})"
    if missing:
        packages = " ".join(dict.fromkeys(package_of(m) for m in missing))
        return (f"Qt cannot open a window: this system lacks {', '.join(missing)}; install "
                f"them with: sudo apt-get install {packages}")
    return None


if __name__ == "__main__":
    problem = window_problem()
    if problem:
        sys.stderr.write(f"empty-chair: {problem}\n")
        sys.exit(1)
