"""The public transparency report (no sign-in): a page, a CSV and a PDF, generated from live data."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import HTMLResponse, Response
from fpdf import FPDF

from rtcc.api.deps import Ctx
from rtcc.domain.transparency import TransparencyReport
from rtcc.storage.transparency import build_report

router = APIRouter(tags=["transparency"])
Days = Annotated[int, Query(ge=1, le=3660, description="The report covers this many days up to now.")]
AgencyParam = Annotated[str | None, Query(description="Agency id; may be left out when there is only one.")]


async def _report(ctx: Ctx, agency: str | None, days: int) -> TransparencyReport:
    if agency is None:
        known = await asyncio.to_thread(ctx.accounts.list_agencies)
        if len(known) != 1:
            ids = ", ".join(a.id for a in known)
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"agency: name one of {ids}")
        agency = known[0].id
    now = datetime.now(UTC)
    report = await asyncio.to_thread(
        build_report,
        ctx.db,
        agency,
        now - timedelta(days=days),
        now,
        ctx.retention.policies,
        require_mfa=bool(ctx.settings.require_mfa),
    )
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"agency: no agency {agency!r}")
    return report


@router.get("/api/v1/transparency", response_model=TransparencyReport)
async def transparency_json(ctx: Ctx, agency: AgencyParam = None, days: Days = 365) -> TransparencyReport:
    return await _report(ctx, agency, days)


@router.get("/transparency.csv")
async def transparency_csv(ctx: Ctx, agency: AgencyParam = None, days: Days = 365) -> Response:
    report = await _report(ctx, agency, days)
    return Response(
        report.csv(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="transparency-{report.agency_id}.csv"'},
    )


@router.get("/transparency.pdf")
async def transparency_pdf(ctx: Ctx, agency: AgencyParam = None, days: Days = 365) -> Response:
    report = await _report(ctx, agency, days)
    return Response(
        bytes(await asyncio.to_thread(render_pdf, report)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="transparency-{report.agency_id}.pdf"'},
    )


@router.get("/transparency", response_class=HTMLResponse)
async def transparency_page(ctx: Ctx, agency: AgencyParam = None, days: Days = 365) -> HTMLResponse:
    report = await _report(ctx, agency, days)
    return HTMLResponse(render_html(report, days))


def render_pdf(report: TransparencyReport) -> bytearray:
    pdf = FPDF(format="Letter")
    pdf.set_compression(False)  # plain text streams: readable by any tool, and small enough
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, f"Transparency report: {report.agency_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0, 6, f"{report.period_from:%Y-%m-%d} to {report.period_to:%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Usage and privacy policy", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for paragraph in report.policy:
        pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Figures", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for section, item, value in report.rows():
        pdf.cell(55, 5, section[:40])
        pdf.cell(75, 5, item[:60])
        pdf.multi_cell(0, 5, value or "-", new_x="LMARGIN", new_y="NEXT")
    return pdf.output()


def render_html(report: TransparencyReport, days: int) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(s)}</td><td>{e(i)}</td><td>{e(v)}</td></tr>" for s, i, v in report.rows())
    policy = "".join(f"<p>{e(p)}</p>" for p in report.policy)
    query = f"agency={e(report.agency_id)}&days={days}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transparency: {e(report.agency_name)}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px}}
table{{border-collapse:collapse;width:100%}}td{{border-bottom:1px solid #ccc;padding:4px 8px}}</style></head>
<body><h1>Transparency report: {e(report.agency_name)}</h1>
<p>{report.period_from:%Y-%m-%d} to {report.period_to:%Y-%m-%d}, generated {report.generated_at:%Y-%m-%d %H:%M} UTC from live data.
Download: <a href="/transparency.csv?{query}">CSV</a>, <a href="/transparency.pdf?{query}">PDF</a>.</p>
<h2>Usage and privacy policy</h2>{policy}
<h2>Figures</h2><table><thead><tr><th>section</th><th>item</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>
</body></html>"""
