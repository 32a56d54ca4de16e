#!/usr/bin/python3
"""The peer of bench/prr.ts: what a project does today in a pystac-style notebook, in plain Python.

Usage: /usr/bin/python3 bench/prr_peer.py DATA_DIR OUT_DIR
For every file of DATA_DIR (sorted): open it (xarray for NetCDF, rasterio for GeoTIFF), take the WGS 84
bounds (rasterio.warp.transform_bounds for projected grids, coordinate edges for lat/lon), the time range,
the variables with dims/dtype/attrs, the file size and SHA-256, build a STAC item dict and json.dump it to
OUT_DIR/<id>/<id>.json; then a collection.json. No schema validation (pystac's item.validate() would need
the network). Imports are not timed. Prints {"items": N, "ms": T, "maxrss_mb": M} as JSON.
"""
import hashlib
import json
import os
import resource
import sys
import time
import warnings

import numpy as np
import rasterio
import rasterio.warp
import xarray as xr

warnings.filterwarnings("ignore")
data_dir, out_dir = sys.argv[1], sys.argv[2]


def jsonable(v):
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if np.isfinite(f) else str(f)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "1220" + h.hexdigest()


def netcdf(path):
    ds = xr.open_dataset(path)
    bbox = None
    lat = next((n for n in ds.variables if n.lower() in ("lat", "latitude", "y")), None)
    lon = next((n for n in ds.variables if n.lower() in ("lon", "longitude", "x")), None)
    if lat and lon:
        la, lo = ds[lat].values, ds[lon].values
        bbox = [float(np.nanmin(lo)), float(np.nanmin(la)), float(np.nanmax(lo)), float(np.nanmax(la))]
    times = [c for c in ds.variables.values() if np.issubdtype(c.dtype, np.datetime64)]
    trange = None
    if times:
        t = np.concatenate([c.values.ravel() for c in times])
        t = t[~np.isnat(t)]
        if t.size:
            trange = [str(t.min()) + "Z", str(t.max()) + "Z"]
    variables = {
        n: {"dimensions": list(v.dims), "dtype": str(v.encoding.get("dtype", v.dtype)), "attrs": {k: jsonable(a) for k, a in v.attrs.items()}}
        for n, v in ds.variables.items()
    }
    ds.close()
    return bbox, trange, variables


def tiff(path):
    with rasterio.open(path) as src:
        b = src.bounds
        bbox = list(rasterio.warp.transform_bounds(src.crs, "EPSG:4326", *b, densify_pts=21)) if src.crs else None
        variables = {"band_data": {"dimensions": ["band", "y", "x"], "dtype": src.dtypes[0], "attrs": {k: v for k, v in src.tags().items()}}}
    return bbox, None, variables


t0 = time.perf_counter()
ids = []
for name in sorted(os.listdir(data_dir)):
    path = os.path.join(data_dir, name)
    item_id = os.path.splitext(name)[0]
    bbox, trange, variables = (tiff if name.endswith(".tif") else netcdf)(path)
    props = {"cube:variables": variables}
    if trange and trange[0] != trange[1]:
        props.update(datetime=None, start_datetime=trange[0], end_datetime=trange[1])
    else:
        props["datetime"] = trange[0] if trange else "2020-01-01T00:00:00Z"
    item = {
        "type": "Feature", "stac_version": "1.0.0", "id": item_id, "properties": props,
        "geometry": None if bbox is None else {"type": "Polygon", "coordinates": [[[bbox[0], bbox[1]], [bbox[2], bbox[1]], [bbox[2], bbox[3]], [bbox[0], bbox[3]], [bbox[0], bbox[1]]]]},
        "bbox": bbox, "links": [{"rel": "root", "href": "../collection.json"}, {"rel": "parent", "href": "../collection.json"}],
        "assets": {"data": {"href": os.path.abspath(path), "file:size": os.path.getsize(path), "file:checksum": sha(path)}},
    }
    os.makedirs(os.path.join(out_dir, item_id), exist_ok=True)
    with open(os.path.join(out_dir, item_id, item_id + ".json"), "w") as f:
        json.dump(item, f, indent=2, allow_nan=False)
    ids.append(item_id)
with open(os.path.join(out_dir, "collection.json"), "w") as f:
    json.dump({"type": "Collection", "id": "bench", "links": [{"rel": "item", "href": f"./{i}/{i}.json"} for i in ids]}, f, indent=2)
ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"items": len(ids), "ms": ms, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
