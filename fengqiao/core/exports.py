"""Spreadsheet exports of filtered lists (.xlsx), built row by row in write-only mode."""

from __future__ import annotations

import io
from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An export is a working document, not a backup: beyond this many rows, narrow the filter.
MAX_EXPORT_ROWS = 20_000


def xlsx_response(filename_stem: str, title: str, headers: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    header_cells = []
    for h in headers:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{filename_stem}-{stamp}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_stream_response(filename_stem: str, title: str, headers: list[str], rows: Iterable[Iterable]) -> FileResponse:
    """Like `xlsx_response`, for long lists: rows are pulled one at a time from an iterator (a
    queryset's `.iterator()`), the workbook is written to a temporary file rather than held in
    memory, and the response streams that file in chunks."""
    import tempfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(v) for v in row])
    # Closed (and so removed) by the response once it has been sent.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    wb.save(spool)
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(spool, as_attachment=True, filename=f"{filename_stem}-{stamp}.xlsx", content_type=XLSX)


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str | int | float | bool):
        # A leading = + - @ would make Excel evaluate the cell as a formula (CSV/formula injection).
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value
    return str(value)
