#!/usr/bin/python3
"""Helpers of bench/gen.ts (Debian's Python: xarray, dask, rasterio).

  gen_peer.py tile-cube SRC OUT K          the real Zarr cube's conc_chl tiled K times along time
                                           (each copy shifted by 16 days), chunks 1×500×500, float64
  gen_peer.py ostia-tif OUT                the three OSTIA analysed_sst days as a 3-band float32 GeoTIFF,
                                           lon rolled to −180…180 (what gdalwarp needs)
  gen_peer.py xr-resample IN OUT PERIOD    xarray+dask: open_zarr(IN).resample(time=PERIOD).mean().to_zarr(OUT)
"""
import glob
import os
import sys

import numpy as np
import xarray as xr

cmd = sys.argv[1]
if cmd == "tile-cube":
    src, out, k = sys.argv[2], sys.argv[3], int(sys.argv[4])
    ds = xr.open_zarr(src)[["conc_chl"]]
    ds = ds.drop_vars([v for v in ds.coords if v.endswith("_bnds")], errors="ignore")
    parts = [ds.assign_coords(time=ds.time + np.timedelta64(16 * i, "D")) for i in range(k)]
    cube = xr.concat(parts, dim="time").chunk({"time": 1, "lat": 500, "lon": 500})
    for v in cube.variables.values():
        v.encoding = {}
    cube.to_zarr(out, mode="w", consolidated=True)
elif cmd == "ostia-tif":
    import rasterio
    from rasterio.transform import from_origin
    data = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "netcdf3")
    files = sorted(glob.glob(os.path.join(data, "2017060[567]*OSTIAanom*.nc")))
    a = xr.open_mfdataset(files, combine="by_coords").analysed_sst
    a = a.assign_coords(lon=(((a.lon + 180) % 360) - 180)).sortby("lon").sortby("lat", ascending=False)
    with rasterio.open(sys.argv[2], "w", driver="GTiff", width=a.sizes["lon"], height=a.sizes["lat"], count=a.sizes["time"],
                       dtype="float32", crs="EPSG:4326", transform=from_origin(-180.0, 90.0, 0.25, 0.25), nodata=float("nan"),
                       tiled=True, blockxsize=256, blockysize=256) as out:
        out.write(a.values.astype("float32"))
elif cmd == "xr-resample":
    src, out, period = sys.argv[2], sys.argv[3], sys.argv[4]
    ds = xr.open_zarr(src)
    r = ds.resample(time=period).mean()
    r.to_zarr(out, mode="w", consolidated=True)
else:
    raise SystemExit(f"unknown command {cmd}")
