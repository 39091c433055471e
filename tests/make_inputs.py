"""Inputs the HTML and .xlsx tests and benchmarks build at run time: web pages and budget workbooks."""

from __future__ import annotations

import html
from pathlib import Path

NOISE = ["站内搜索", "首页", "政务公开", "当前位置", "var tracker", "color:red", "备案号", "友情链接", "隐藏的"]


def page(body: str, head: str = '<meta charset="utf-8">') -> str:
    """A county-website page around `body`: scripts, styles, navigation, search form, footer and menus."""
    return f"""<!DOCTYPE html>
<html><head>{head}<title>部门预算公开</title>
<script>var tracker = "站内搜索";</script><style>p {{ color:red }}</style></head>
<body>
<header><div class="logo">某某县人民政府</div><ul><li>首页</li><li>政务公开</li></ul></header>
<nav><a href="/">首页</a> <a href="/gk">政务公开</a></nav>
<div class="breadcrumb">当前位置：首页 &gt; 财政预决算</div>
<form action="/search"><label>站内搜索</label><input name="q"><button>搜索</button></form>
<div class="article">
{body}
</div>
<div hidden>隐藏的提示</div><div style="display: none">隐藏的菜单</div>
<select><option>友情链接</option><option>某某市人民政府</option></select>
<footer><p>主办单位：某某县人民政府办公室 备案号：蜀ICP备0000号</p></footer>
<script>document.write("站内搜索")</script>
</body></html>"""


def report_page(text: str, charset: str) -> str:
    """The sample report as a web page: markdown headings as h1-h6, tab-separated lines as table rows."""
    parts: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            parts.append("<table>")
            while i < len(lines) and "\t" in lines[i]:
                cells = "".join(f"<td>{html.escape(c)}</td>" for c in lines[i].split("\t"))
                parts.append(f"<tr>{cells}</tr>")
                i += 1
            parts.append("</table>")
            continue
        line = lines[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            parts.append(f"<h{level}>{html.escape(line.lstrip('#').strip())}</h{level}>")
        elif line.strip():
            parts.append(f"<p>{html.escape(line)}</p>")
        i += 1
    return page("\n".join(parts), head=f'<meta charset="{charset}">')


def budget_workbook(path: Path) -> None:
    """A 收支总表 sheet as finance bureaus share it: title and unit rows, merged headers, #,##0.00 amounts."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "表1 收支总表"
    sheet.append(["2021年部门收支总表"])
    sheet.merge_cells("A1:D1")
    sheet.append(["单位名称：万源市社保局", None, "单位：元"])
    sheet.append(["收入", None, "支出"])
    sheet.merge_cells("A3:B3")
    sheet.merge_cells("C3:D3")
    sheet.append(["项目", "2021年预算数", "项目", "2021年预算数"])
    sheet.append(["一、一般公共预算拨款收入", 3162923, "八、社会保障和就业支出", 2875129])
    sheet.append(["二、政府性基金预算拨款收入", None, "十、卫生健康支出", 103545.0])
    sheet.append([None, None, "二十、住房保障支出", 184249])
    sheet.append(["本年收入合计", 3162923, "本年支出合计", 3162923])
    sheet.append(["收入总计", 3162923, "支出总计", 3162923])
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.number_format = "#,##0.00"
    sheet["F12"].number_format = "0.00"  # a formatted but empty cell: no trailing row or column comes of it
    other = book.create_sheet("图表数据")
    other.append([None, "2020年", "2021年"])
    other.append([None, "征缴金额", 1183.1099999999999])  # a chart export's float artifact
    other.append([None, "发放率", 0.8862])
    other["C2"].number_format = "0.00"
    other["C3"].number_format = "0.00%"
    book.create_sheet("空表")
    hidden = book.create_sheet("参数")
    hidden.append(["隐藏的参数"])
    hidden.sheet_state = "hidden"
    book.save(path)


def large_workbook(path: Path, rows: int) -> None:
    """A 支出明细 sheet of `rows` function-class rows with four #,##0.00 amount columns (for benchmarks)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "支出明细"
    sheet.append(["科目编码", "科目名称", "合计", "基本支出", "项目支出", "上年结转"])
    for n in range(rows):
        basic, project = 1000 + n * 0.37, 50 + n * 0.11
        sheet.append([f"2080{n % 100:03d}", f"科目{n}", basic + project, basic, project, n * 0.01])
    for row in sheet.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = "#,##0.00"
    book.save(path)
