#!/usr/bin/env /usr/bin/python3
"""Generates the theme preview images embedded in src/catalog/osc/themes.ts (run once, paste the output).

The OSC validator requires every theme catalog to have a `preview` link to a WebP image whose size matches
the link's proj:shape. The real catalog's pictures are not ours to ship, so `eocube catalog init` writes a
plain 1920x1080 lossless WebP in one colour per theme (same shape as the real ones). Needs Pillow with WebP.
"""
import base64
import io

from PIL import Image

COLOURS = {
    "atmosphere": (135, 206, 235),
    "cryosphere": (224, 240, 255),
    "land": (107, 142, 35),
    "magnetosphere-ionosphere": (72, 61, 139),
    "oceans": (0, 105, 148),
    "solid-earth": (139, 90, 43),
}

for theme, colour in COLOURS.items():
    buf = io.BytesIO()
    Image.new("RGB", (1920, 1080), colour).save(buf, "WEBP", lossless=True)
    print(f'  "{theme}": "{base64.b64encode(buf.getvalue()).decode()}",')
