#!/usr/bin/python3
"""Peers of bench/serve.ts (Debian's python3-rasterio, python3-pil, python3-matplotlib, python3-xarray).

serve PORT   a tile server rendering the way titiler/rio-tiler does: per request, open the file, build a
             rasterio WarpedVRT to EPSG:3857 (nearest), read the tile window into 256×256, map values to
             viridis with numpy, encode PNG with PIL. Threaded (rasterio releases the GIL while reading).
             GET /tiles/<name>/<z>/<y>/<x>?vmin=&vmax=  (name: rgb | cog; band 1)
timeseries   reads {"path", "points": [[lon, lat], ...]} on stdin; opens the Zarr cube once with xarray
             (no dask) and times conc_chl.sel(lon, lat, method="nearest").values per point; prints JSON ms.
"""
import io
import json
import math
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
FILES = {"rgb": os.path.join(DATA, "geotiff", "RGB.byte.tif"), "cog": os.path.join(DATA, "geotiff", "sample-cog.tif")}
E = math.pi * 6378137.0


def serve(port):
    import numpy as np
    import rasterio
    from matplotlib import colormaps
    from PIL import Image
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT
    from rasterio.transform import from_bounds as transform_from_bounds

    lut = (colormaps["viridis"](np.linspace(0, 1, 256)) * 255).round().astype(np.uint8)

    def render(name, z, y, x, vmin, vmax):
        size = 2 * E / 2 ** z
        bounds = (-E + x * size, E - (y + 1) * size, -E + (x + 1) * size, E - y * size)
        with rasterio.open(FILES[name]) as src:
            # the VRT is the tile itself (as rio-tiler's tile reads do): 256×256 over the tile bounds
            with WarpedVRT(src, crs="EPSG:3857", transform=transform_from_bounds(*bounds, 256, 256), width=256, height=256,
                           resampling=Resampling.nearest) as vrt:
                a = vrt.read(1, masked=True)
        v = a.astype("float64").filled(np.nan)
        idx = np.clip(np.floor((v - vmin) * (256.0 / (vmax - vmin))), 0, 255)
        rgba = lut[np.nan_to_num(idx, nan=0).astype(np.uint8)]
        rgba[..., 3] = np.where(np.isnan(v), 0, 255)
        buf = io.BytesIO()
        Image.fromarray(rgba, "RGBA").save(buf, "PNG")
        return buf.getvalue()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            u = urlparse(self.path)
            parts = u.path.strip("/").split("/")
            q = parse_qs(u.query)
            try:
                name, z, y, x = parts[1], int(parts[2]), int(parts[3]), int(parts[4])
                body = render(name, z, y, x, float(q.get("vmin", ["0"])[0]), float(q.get("vmax", ["255"])[0]))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
            except Exception as e:  # noqa: BLE001 - a bench peer reports errors as 500
                body = str(e).encode()
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print(f"LISTENING http://127.0.0.1:{srv.server_address[1]}", flush=True)
    srv.serve_forever()


def timeseries():
    import warnings
    warnings.filterwarnings("ignore")
    import xarray as xr
    req = json.load(sys.stdin)
    ds = xr.open_dataset(req["path"], engine="zarr", chunks=None)
    out = []
    for lon, lat in req["points"]:
        t = time.perf_counter()
        ds.conc_chl.sel(lon=lon, lat=lat, method="nearest").values
        out.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"ms": out, "xarray": xr.__version__}))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    else:
        timeseries()
