"""Label alias tables: the many ways a report writes one concept, and the classification code tables.

Labels are matched by meaning, never by position: the same concept is written 日常公用经费 or 公用经费,
公务用车购置及运行费 or 公务用车购置及运行维护费, 卫生健康支出 or 医疗卫生与计划生育支出. The longest alias that
ends nearest to a number names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

# concept -> aliases (regex fragments; matched on text with spaces removed)
CONCEPT_ALIASES: dict[str, list[str]] = {
    "fiscal_grand_total": [r"财政拨款收、?支总计", r"财政拨款收支总计"],
    "grand_total": [r"收、?支总计", r"收入总计", r"支出总计", r"收入预算总额"],
    "income_total": [r"本年收入合计", r"本年收入", r"收入预算", r"部门财政资金收入"],
    "inc_fiscal": [r"(当年)?财政(实际)?拨款收入(合计)?", r"拨款收入合计"],
    "inc_general_budget": [r"一般公共预算(财政)?拨款收入", r"一般公共预算收入"],
    "inc_gov_fund": [r"政府性基金预算(财政)?拨款收入"],
    "inc_state_capital": [r"国有资本经营预算(财政)?拨款收入"],
    "inc_superior_subsidy": [r"上级补助收入"],
    "inc_business": [r"事业收入"],
    "inc_operating": [r"(事业单位)?经营收入"],
    "inc_affiliated": [r"附属单位上缴收入"],
    "inc_other": [r"其他收入"],
    "carryover_begin": [r"年初结转和结余", r"上年结转(收入)?"],
    "expenditure_total": [r"本年支出合计", r"本年支出", r"安排支出预算"],
    "exp_basic": [r"基本支出"],
    "exp_project": [r"项目支出"],
    "exp_remit_superior": [r"上缴上级支出"],
    "exp_operating": [r"经营支出"],
    "exp_affiliated_subsidy": [r"对附属单位补助支出"],
    "carryover_end": [r"年末结转和结余", r"结转下年"],
    "gb_expenditure": [r"一般公共预算(财政拨款)?支出(决算数?)?", r"一般公共预算财政拨款"],
    "gb_basic": [r"一般公共预算财政拨款基本支出"],
    "gb_personnel": [r"人员经费"],
    "gb_public": [r"(日常)?公用经费"],
    "gov_fund_expenditure": [r"政府性基金预算(财政)?拨款支出"],
    "state_capital_expenditure": [r"国有资本经营预算(财政)?拨款支出"],
    "sangong_total": [r"[“\"]?三公[”\"]?经费(财政拨款)?(支出)?(决算|预算)?"],
    "sg_overseas": [r"因公出国[（(]境[）)](费用?|经费)?(支出)?"],
    "sg_vehicle": [r"公务用车购置及运行(维护)?费", r"公务用车费"],
    "sg_vehicle_purchase": [r"公务用车购置(费|支出)?"],
    "sg_vehicle_operation": [r"公务用车运行(维护)?费?"],
    "sg_reception": [r"公务接待费"],
    "sg_reception_domestic": [r"国内公务接待(支出)?"],
    "sg_reception_foreign": [r"外事接待(支出)?"],
    "organ_running": [r"机关运行经费"],
    "procurement_total": [r"政府采购支出总额"],
    "proc_goods": [r"政府采购货物支出"],
    "proc_works": [r"政府采购工程支出"],
    "proc_services": [r"政府采购服务支出"],
    "proc_sme": [r"授予中小企业合同金额"],
    "proc_small_micro": [r"授予小微企业合同金额"],
    "econ:301": [r"工资福利支出"],
    "econ:302": [r"商品和服务支出"],
    "econ:303": [r"对个人和家庭(的)?补助(的补助)?"],
    "econ:310": [r"(其他)?资本性支出"],
}

# Function classification (政府收支分类科目): code -> names (first is the standard one).
FUNC_CODES: dict[str, list[str]] = {
    "201": ["一般公共服务"],
    "202": ["外交"],
    "203": ["国防"],
    "204": ["公共安全"],
    "205": ["教育"],
    "206": ["科学技术"],
    "207": ["文化旅游体育与传媒", "文化体育与传媒"],
    "208": ["社会保障和就业"],
    "209": ["社会保险基金"],
    "210": ["卫生健康", "医疗卫生与计划生育", "医疗卫生"],
    "211": ["节能环保"],
    "212": ["城乡社区"],
    "213": ["农林水"],
    "214": ["交通运输"],
    "215": ["资源勘探工业信息等", "资源勘探信息等"],
    "216": ["商业服务业等", "商业服务业"],
    "217": ["金融"],
    "219": ["援助其他地区"],
    "220": ["自然资源海洋气象等", "国土海洋气象等"],
    "221": ["住房保障"],
    "222": ["粮油物资储备"],
    "224": ["灾害防治及应急管理"],
    "227": ["预备费"],
    "229": ["其他"],
    "20801": ["人力资源和社会保障管理事务"],
    "2080101": ["行政运行"],
    "2080102": ["一般行政管理事务"],
    "2080103": ["机关服务"],
    "2080104": ["综合业务管理"],
    "2080105": ["劳动保障监察"],
    "2080106": ["就业管理事务"],
    "2080107": ["社会保险业务管理事务"],
    "2080108": ["信息化建设"],
    "2080109": ["社会保险经办机构"],
    "2080110": ["劳动关系和维权"],
    "2080111": ["公共就业服务和职业技能鉴定机构"],
    "2080112": ["劳动人事争议调解仲裁"],
    "2080150": ["事业运行"],
    "2080199": ["其他人力资源和社会保障管理事务支出"],
    "20805": ["行政事业单位养老支出", "行政事业单位离退休"],
    "2080501": ["行政单位离退休"],
    "2080502": ["事业单位离退休"],
    "2080503": ["离退休人员管理机构"],
    "2080504": ["未归口管理的行政单位离退休"],
    "2080505": ["机关事业单位基本养老保险缴费支出", "机关事业单位基本养老保险缴费", "事业单位养老保险"],
    "2080506": ["机关事业单位职业年金缴费支出"],
    "2080507": ["对机关事业单位基本养老保险基金的补助"],
    "2080599": ["其他行政事业单位养老支出", "其他行政事业单位离退休支出"],
    "20807": ["就业补助"],
    "2080705": ["公益性岗位补贴"],
    "20808": ["抚恤"],
    "2080801": ["死亡抚恤"],
    "2080802": ["伤残抚恤"],
    "20826": ["财政对基本养老保险基金的补助"],
    "20827": ["财政对其他社会保险基金的补助"],
    "20830": ["财政代缴社会保险费支出"],
    "2083001": ["财政代缴城乡居民基本养老保险费支出"],
    "20899": ["其他社会保障和就业支出"],
    "21011": ["行政事业单位医疗"],
    "2101101": ["行政单位医疗"],
    "2101102": ["事业单位医疗"],
    "2101103": ["公务员医疗补助"],
    "2101199": ["其他行政事业单位医疗支出"],
    "22102": ["住房改革支出"],
    "2210201": ["住房公积金"],
    "2210202": ["提租补贴"],
    "2210203": ["购房补贴"],
    "20101": ["人大事务"],
    "20103": ["政府办公厅（室）及相关机构事务"],
    "2010301": ["行政运行"],
    "20132": ["组织事务"],
}

# Economic classification (支出经济分类科目): code -> names.
ECON_CODES: dict[str, list[str]] = {
    "301": ["工资福利支出"],
    "30101": ["基本工资"],
    "30102": ["津贴补贴"],
    "30103": ["奖金"],
    "30106": ["伙食补助费"],
    "30107": ["绩效工资"],
    "30108": ["机关事业单位基本养老保险缴费"],
    "30109": ["职业年金缴费"],
    "30110": ["职工基本医疗保险缴费"],
    "30111": ["公务员医疗补助缴费"],
    "30112": ["其他社会保障缴费"],
    "30113": ["住房公积金"],
    "30114": ["医疗费"],
    "30199": ["其他工资福利支出"],
    "302": ["商品和服务支出"],
    "30201": ["办公费"],
    "30202": ["印刷费"],
    "30203": ["咨询费"],
    "30204": ["手续费"],
    "30205": ["水费"],
    "30206": ["电费"],
    "30207": ["邮电费"],
    "30208": ["取暖费"],
    "30209": ["物业管理费"],
    "30211": ["差旅费"],
    "30212": ["因公出国（境）费用"],
    "30213": ["维修（护）费", "维修(护)费"],
    "30214": ["租赁费"],
    "30215": ["会议费"],
    "30216": ["培训费"],
    "30217": ["公务接待费"],
    "30218": ["专用材料费"],
    "30224": ["被装购置费"],
    "30225": ["专用燃料费"],
    "30226": ["劳务费"],
    "30227": ["委托业务费"],
    "30228": ["工会经费"],
    "30229": ["福利费"],
    "30231": ["公务用车运行维护费"],
    "30239": ["其他交通费用"],
    "30240": ["税金及附加费用"],
    "30299": ["其他商品和服务支出"],
    "303": ["对个人和家庭的补助"],
    "30301": ["离休费"],
    "30302": ["退休费"],
    "30303": ["退职（役）费"],
    "30304": ["抚恤金"],
    "30305": ["生活补助"],
    "30306": ["救济费"],
    "30307": ["医疗费补助"],
    "30308": ["助学金"],
    "30309": ["奖励金"],
    "30311": ["代缴社会保险费"],
    "30399": ["其他对个人和家庭的补助支出", "其他对个人和家庭的补助"],
    "310": ["其他资本性支出", "资本性支出"],
    "31002": ["办公设备购置"],
    "31003": ["专用设备购置"],
    "31013": ["公务用车购置"],
}


@dataclass(frozen=True)
class LabelMatch:
    """An alias found in a piece of text."""

    concept: str
    start: int
    end: int


def _compact(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


@lru_cache(maxsize=4096)
def _all_matches(text: str) -> tuple[LabelMatch, ...]:
    """Every alias occurrence (all start positions), the longest per start."""
    found = []
    for i in range(len(text)):
        best: LabelMatch | None = None
        for n, concept in enumerate(CONCEPT_ALIASES):
            m = _single(n).match(text, i)
            if m and m.end() > i and (best is None or m.end() > best.end):
                best = LabelMatch(concept, i, m.end())
        if best is not None:
            found.append(best)
    return tuple(found)


@cache
def _single(n: int) -> re.Pattern[str]:
    aliases = list(CONCEPT_ALIASES.values())[n]
    return re.compile("|".join(f"(?:{a})" for a in sorted(aliases, key=len, reverse=True)))


def last_concept(text: str) -> LabelMatch | None:
    """The alias ending nearest the end of `text` (the label of a number that follows), longest on ties."""
    compact = _compact(text)
    best: LabelMatch | None = None
    for m in _all_matches(compact):
        if best is None or m.end > best.end or (m.end == best.end and m.start < best.start):
            best = m
    return best


def concept_of(label: str) -> str | None:
    """The concept a whole label (table row, chart label) names, or None."""
    compact = _compact(
        re.sub(r"^[一二三四五六七八九十\d]+[、.]|^[（(][一二三四五六七八九十\d]+[）)]|^其中[：:]", "", label.strip())
    )
    compact = re.sub(r"^[（(]\d+[）)]", "", compact)
    if not compact:
        return None
    for m in _all_matches(compact):
        if m.start == 0 and m.end == len(compact):
            return m.concept
    func = func_code_by_name(compact.removesuffix("支出").removesuffix("（类）"))
    if func:
        return f"func:{func}"
    return None


@cache
def _func_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for code, aliases in FUNC_CODES.items():
        for a in aliases:
            names.setdefault(a, []).append(code)
    return names


def func_code_by_name(name: str, parent: str | None = None) -> str | None:
    """Code of a function-class name, resolved under `parent` (a 类 or 款 code) when given."""
    name = _compact(name).removesuffix("支出") if name not in _func_names() else _compact(name)
    codes = _func_names().get(name) or _func_names().get(name + "支出") or []
    if parent:
        codes = [c for c in codes if c.startswith(parent) and len(c) == len(parent) + 2]
    elif len(codes) > 1:
        codes = [c for c in codes if len(c) == 3] or codes[:1]
    return codes[0] if len(codes) == 1 or (codes and parent) else (codes[0] if codes else None)


def func_code_by_prefix(prefix: str, parent: str | None = None) -> str | None:
    """Code of a truncated function-class name (table cells cut to width: 社会保障和就业支 → 208)."""
    prefix = _compact(prefix)
    if len(prefix) < 2:
        return None
    hits = []
    for code, aliases in FUNC_CODES.items():
        if parent is not None and not (code.startswith(parent) and len(code) == len(parent) + 2):
            continue
        if parent is None and len(code) != 3:
            continue
        if any((a + "支出").startswith(prefix) or a.startswith(prefix) for a in aliases):
            hits.append(code)
    return hits[0] if len(hits) == 1 else None


def econ_code_by_name(name: str) -> str | None:
    """Code of an economic-class name (工资福利支出 → 301, 基本工资 → 30101)."""
    compact = _compact(name)
    for code, aliases in ECON_CODES.items():
        if compact in (_compact(a) for a in aliases):
            return code
    return None


def econ_code_by_prefix(prefix: str) -> str | None:
    """Code of a truncated economic-class group name (工资福 → 301)."""
    compact = _compact(prefix)
    hits = [c for c, al in ECON_CODES.items() if len(c) == 3 and any(a.startswith(compact) for a in al)]
    return hits[0] if len(compact) >= 2 and len(hits) == 1 else None
