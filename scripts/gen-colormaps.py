#!/usr/bin/python3
"""Generates src/server/render/colormaps-data.json: 256-entry RGB lookup tables of matplotlib colour maps.

Run once with Debian's matplotlib: /usr/bin/python3 scripts/gen-colormaps.py
Each LUT is the hex string of 256 RGB triplets (768 bytes -> 1536 hex chars), sampled as
matplotlib does for Normalize()ed values: cmap(i / 255) for i in 0..255 (cmap.N == 256).
Categories follow xcube's colour-bar groups (for /colorbars).
"""
import json
import os
import matplotlib
from matplotlib import colormaps
import numpy as np

CATEGORIES = [
    ("Perceptually Uniform Sequential", "For representing ordered information that has no natural midpoint.",
     ["viridis", "plasma", "inferno", "magma", "cividis"]),
    ("Sequential 1", "Sequential colour maps that change in lightness and often saturation.",
     ["Greys", "Purples", "Blues", "Greens", "Oranges", "Reds", "YlOrBr", "YlOrRd", "OrRd", "PuRd",
      "RdPu", "BuPu", "GnBu", "PuBu", "YlGnBu", "PuBuGn", "BuGn", "YlGn"]),
    ("Sequential 2", "Sequential colour maps with varying lightness.",
     ["binary", "gist_yarg", "gist_gray", "gray", "bone", "pink", "spring", "summer", "autumn", "winter",
      "cool", "Wistia", "hot", "afmhot", "gist_heat", "copper"]),
    ("Diverging", "For information whose deviation around a middle value is important.",
     ["PiYG", "PRGn", "BrBG", "PuOr", "RdGy", "RdBu", "RdYlBu", "RdYlGn", "Spectral", "coolwarm", "bwr",
      "seismic"]),
    ("Cyclic", "For values that wrap around at the endpoints, such as phase angle or wind direction.",
     ["twilight", "twilight_shifted", "hsv"]),
    ("Qualitative", "For information without ordering or relationships (categories).",
     ["Pastel1", "Pastel2", "Paired", "Accent", "Dark2", "Set1", "Set2", "Set3", "tab10", "tab20",
      "tab20b", "tab20c"]),
    ("Miscellaneous", "Colour maps for particular uses.",
     ["flag", "prism", "ocean", "gist_earth", "terrain", "gist_stern", "gnuplot", "gnuplot2", "CMRmap",
      "cubehelix", "brg", "gist_rainbow", "rainbow", "jet", "turbo", "nipy_spectral", "gist_ncar"]),
]


def lut_hex(name: str) -> str:
    cmap = colormaps[name]
    rgba = cmap(np.linspace(0.0, 1.0, 256)) if cmap.N >= 256 else cmap(np.arange(256) * cmap.N // 256)
    rgb = np.round(np.asarray(rgba)[:, :3] * 255).astype(np.uint8)
    return rgb.tobytes().hex()


def main() -> None:
    out = {"generator": f"matplotlib {matplotlib.__version__}", "categories": []}
    for title, description, names in CATEGORIES:
        out["categories"].append({
            "name": title,
            "description": description,
            "colormaps": {n: lut_hex(n) for n in names if n in colormaps},
        })
    path = os.path.join(os.path.dirname(__file__), "..", "src", "server", "render", "colormaps-data.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
