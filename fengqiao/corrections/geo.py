"""Coordinates and fences: WGS-84 ↔ GCJ-02 conversion (vectorised with numpy) and point-in-fence
tests (shapely 2's vectorised predicates) in a local metric plane, so that buffers are metres.

Devices report WGS-84; Chinese maps (and some vendor gateways) use GCJ-02. Every stored fix keeps
the datum and the numbers it arrived with, plus the WGS-84 values the fences are tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

# The published GCJ-02 obfuscation (Krasovsky 1940 ellipsoid parameters).
_A = 6378245.0
_EE = 0.00669342162296594323

# GCJ-02 only shifts points inside mainland China's bounding box; elsewhere it is WGS-84.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)


def _delta(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    d = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + d
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + d
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = (lon >= _CHINA_LON[0]) & (lon <= _CHINA_LON[1]) & (lat >= _CHINA_LAT[0]) & (lat <= _CHINA_LAT[1])
    return np.where(inside, dlat, 0.0), np.where(inside, dlon, 0.0)


def wgs_to_gcj(lat, lon):
    """WGS-84 → GCJ-02 (arrays or scalars in degrees)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    dlat, dlon = _delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj_to_wgs(lat, lon, *, iterations: int = 4):
    """GCJ-02 → WGS-84. The forward shift has no closed inverse; a few fixed-point steps bring the
    error under a millimetre, far below any device's accuracy."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    wlat, wlon = lat.copy(), lon.copy()
    for _ in range(iterations):
        glat, glon = wgs_to_gcj(wlat, wlon)
        wlat = wlat - (glat - lat)
        wlon = wlon - (glon - lon)
    return wlat, wlon


# Metres per degree on the WGS-84 ellipsoid are close enough to these constants at the scale of a
# county (the error is a fraction of a per cent), which is all a buffer of tens of metres needs.
M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass
class PreparedFence:
    """A fence polygon projected to a local plane (metres) around its first vertex, prepared for
    fast vectorised containment, with its buffered variant."""

    lon0: float
    lat0: float
    kx: float
    geometry: Polygon
    buffered: Polygon

    def to_plane(self, lat, lon):
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * M_PER_DEG_LAT

    def outside(self, lat, lon) -> np.ndarray:
        """True where a point lies beyond the buffer outside the permitted area."""
        x, y = self.to_plane(lat, lon)
        return ~shapely.contains_xy(self.buffered, x, y)

    def inside(self, lat, lon) -> np.ndarray:
        """True where a point lies inside the (inward-buffered) banned place."""
        x, y = self.to_plane(lat, lon)
        return shapely.contains_xy(self.buffered, x, y)


def validate_polygon(points) -> list[list[float]]:
    """Check a list of [longitude, latitude] pairs forms a valid simple polygon; return it closed.
    Raises ValueError with the reason."""
    if not isinstance(points, list | tuple) or len(points) < 3:
        raise ValueError("too_few_points")
    clean = []
    for p in points:
        if not isinstance(p, list | tuple) or len(p) != 2:
            raise ValueError("bad_point")
        lon, lat = float(p[0]), float(p[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or np.isnan(lon) or np.isnan(lat):
            raise ValueError("out_of_range")
        clean.append([lon, lat])
    if clean[0] != clean[-1]:
        clean.append(clean[0])
    if len(clean) < 4:
        raise ValueError("too_few_points")
    poly = Polygon(clean)
    if not poly.is_valid or poly.area == 0:
        raise ValueError("self_intersecting")
    return clean


def prepare(points, *, buffer_m: float, banned: bool = False) -> PreparedFence:
    """Project a fence to metres and buffer it: outward for a permitted area (a fix counts as outside
    only beyond the buffer), inward for a banned place (inside only when well inside)."""
    lon0, lat0 = float(points[0][0]), float(points[0][1])
    kx = _M_PER_DEG_LON_EQUATOR * float(np.cos(np.radians(lat0)))
    xy = [((lon - lon0) * kx, (lat - lat0) * M_PER_DEG_LAT) for lon, lat in points]
    geometry = Polygon(xy)
    buffered = geometry.buffer(-buffer_m if banned else buffer_m) if buffer_m else geometry
    if buffered.is_empty:
        # A banned place smaller than twice the buffer: use the place itself rather than nothing.
        buffered = geometry
    shapely.prepare(buffered)
    return PreparedFence(lon0=lon0, lat0=lat0, kx=kx, geometry=geometry, buffered=buffered)


def distance_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Equirectangular distance in metres: exact enough for tens to hundreds of metres."""
    lat1, lon1, lat2, lon2 = (np.asarray(v, dtype=float) for v in (lat1, lon1, lat2, lon2))
    kx = _M_PER_DEG_LON_EQUATOR * np.cos(np.radians((lat1 + lat2) / 2))
    return np.hypot((lon2 - lon1) * kx, (lat2 - lat1) * M_PER_DEG_LAT)


def circle(lat: float, lon: float, radius_m: float, segments: int = 24) -> list[list[float]]:
    """A circle as a polygon of [longitude, latitude] pairs (for a banned place given by a centre)."""
    kx = _M_PER_DEG_LON_EQUATOR * float(np.cos(np.radians(lat)))
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    pts = [[lon + radius_m * np.cos(a) / kx, lat + radius_m * np.sin(a) / M_PER_DEG_LAT] for a in angles]
    pts.append(pts[0])
    return [[float(x), float(y)] for x, y in pts]
