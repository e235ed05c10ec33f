"""Plan-like content: the bundled plan's indicator tables and sidebars, and synthetic plans of
other regions made from a seeded RNG (so every run gives the same text and numbers).

Synthetic numbers are drawn at random and never copied from the bundled plan.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from model import Item, Para, Sidebar, Table, cn_num

JINDONG = Path(__file__).resolve().parents[1] / "fixtures" / "expected" / "jindong-2021.json"

REGIONS = ["临川区", "婺源县", "安吉县", "宁乡市", "遵义市汇川区", "南丰县", "浏阳市", "德清县",
           "桐庐县", "仙居县", "湘潭县", "修水县", "永康市", "余江区", "荔浦市", "宜章县"]
PROVINCES = {"临川区": "抚州市", "婺源县": "上饶市", "安吉县": "湖州市", "宁乡市": "长沙市",
             "遵义市汇川区": "遵义市", "南丰县": "抚州市", "浏阳市": "长沙市", "德清县": "湖州市",
             "桐庐县": "杭州市", "仙居县": "台州市", "湘潭县": "湘潭市", "修水县": "九江市",
             "永康市": "金华市", "余江区": "鹰潭市", "荔浦市": "桂林市", "宜章县": "郴州市"}


def rng(name: str) -> random.Random:
    return random.Random("corpus:" + name)


def plan_title(region: str) -> str:
    return f"{region}国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"


# ------------------------------------------------------------------ prose
SUBJECTS = ["坚持创新驱动发展", "深入推进乡村振兴", "加快发展现代产业体系", "全面深化改革开放",
            "持续改善生态环境质量", "扎实推进共同富裕", "着力提升城市能级", "统筹发展和安全",
            "加快数字化转型", "完善公共服务体系", "推进新型城镇化", "健全现代流通体系"]
ACTIONS = ["以{x}为重点，统筹推进{y}和{z}，着力构建{w}的发展格局。",
           "到2025年，{x}取得明显成效，{y}水平显著提升，{z}基础更加牢固。",
           "围绕{x}，实施一批打基础、利长远、增后劲的重大项目，推动{y}与{z}深度融合。",
           "坚持问题导向和目标导向相统一，聚焦{x}中的突出短板，加快补齐{y}短板，增强{z}能力。",
           "健全{x}工作机制，完善{y}政策体系，形成{z}的良好局面。",
           "充分发挥{x}的比较优势，主动融入{y}，打造{z}的重要节点。"]
NOUNS = ["产业链供应链", "科技创新平台", "县域经济", "城乡融合发展", "生态产品价值实现",
         "基本公共服务均等化", "营商环境", "现代农业产业园", "综合交通网络", "数字政府",
         "长江经济带", "粤港澳大湾区", "都市圈同城化", "绿色低碳转型", "就业优先政策",
         "城市更新", "农村人居环境", "文化旅游融合", "社会治理现代化", "防灾减灾体系"]


def sentence(r: random.Random) -> str:
    x, y, z, w = r.sample(NOUNS, 4)
    return r.choice(ACTIONS).format(x=x, y=y, z=z, w=w)


def paragraph(r: random.Random, sentences: int = 3, lead: str | None = None) -> Para:
    text = (lead or r.choice(SUBJECTS) + "。") + "".join(sentence(r) for _ in range(sentences))
    return Para(text)


CHAPTER_TITLES = ["开启全面建设社会主义现代化新征程", "坚持创新驱动，塑造发展新优势", "加快建设现代化产业体系",
                  "全面推进乡村振兴", "优化国土空间开发保护格局", "推进更高水平对外开放", "建设美丽宜居生态家园",
                  "增进民生福祉，促进共同富裕", "统筹发展和安全", "加强规划实施保障"]
SECTION_TITLES = ["发展基础", "发展环境", "指导思想", "基本原则", "发展目标", "提升自主创新能力",
                  "壮大优势主导产业", "培育战略性新兴产业", "发展现代服务业", "提升农业质量效益",
                  "实施乡村建设行动", "深化农村改革", "健全就业和收入分配制度", "办好人民满意的教育",
                  "建设高水平创新平台", "推进数字产业化"]


# ------------------------------------------------------------------ indicator tables
# (category, name, unit, value kind)
INDICATORS = [
    ("经济发展", "地区生产总值", "亿元", "amount"), ("经济发展", "一般公共预算收入", "亿元", "amount"),
    ("经济发展", "固定资产投资", "亿元", "amount"), ("经济发展", "常住人口城镇化率", "%", "rate"),
    ("创新驱动", "研究与试验发展经费投入强度", "%", "share"), ("创新驱动", "每万人口高价值发明专利拥有量", "件", "small"),
    ("创新驱动", "高新技术产业增加值占规模以上工业增加值比重", "%", "rate"),
    ("民生福祉", "城镇居民人均可支配收入", "元", "income"), ("民生福祉", "农村居民人均可支配收入", "元", "income"),
    ("民生福祉", "城镇调查失业率", "%", "small"), ("民生福祉", "劳动年龄人口平均受教育年限", "年", "small"),
    ("民生福祉", "每千人口拥有执业（助理）医师数", "人", "small"),
    ("绿色生态", "森林覆盖率", "%", "rate"), ("绿色生态", "单位地区生产总值能耗降低", "%", "target"),
    ("绿色生态", "单位地区生产总值二氧化碳排放降低", "%", "target"),
    ("绿色生态", "地表水达到或好于Ⅲ类水体比例", "%", "rate"), ("安全保障", "粮食综合生产能力", "万吨", "amount"),
    ("安全保障", "能源综合生产能力", "万吨标准煤", "amount"),
]
OPEN_GROWTH = ["8%左右", "7.5%", "6-6.5%", "≥7%", "9%", "10%以上", "6.5%左右"]


def _value(r: random.Random, kind: str) -> tuple[str, str, str]:
    """(base year value, target value, growth) for one indicator."""
    if kind == "amount":
        a = round(r.uniform(80, 900), 1)
        return f"{a}", f"{round(a * r.uniform(1.3, 1.6))}", r.choice(OPEN_GROWTH)
    if kind == "income":
        a = r.randint(16000, 52000)
        return f"{a}", f"{int(a * r.uniform(1.4, 1.55)) // 10 * 10}", r.choice(["与经济增长同步", "8%", "8.5%左右"])
    if kind == "rate":
        a = round(r.uniform(40, 75), 1)
        d = round(r.uniform(0.5, 2.0), 1)
        return f"{a}", f"{round(a + 5 * d, 1)}", f"年均提高{d}个百分点"
    if kind == "share":
        a = round(r.uniform(1.2, 2.6), 2)
        return f"{a}", f"≥{round(a + r.uniform(0.3, 0.8), 1)}", f"[{round(r.uniform(0.3, 0.9), 1)}]"
    if kind == "small":
        a = round(r.uniform(2, 12), 1)
        return f"{a}", f"{round(a * r.uniform(1.05, 1.4), 1)}", f"[{r.randint(1, 4)}]"
    return "—", "完成上级下达目标", "完成上级下达目标"


def run_merges(rows: list[list[str]], col: int) -> list[tuple[int, int, int, int]]:
    """Vertical merges of consecutive equal cells in one column."""
    out, start = [], 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][col] != rows[start][col]:
            if i - start > 1:
                out.append((start, col, i - start, 1))
            start = i
    return out


def targets_table(r: random.Random, n: int = 12, caption: str = "表1 “十四五”时期经济社会发展主要指标",
                  **kw) -> Table:
    """类别|序号|指标|单位|2020年|2025年|年均增长|属性 with merged 类别 cells."""
    picks = sorted(r.sample(range(len(INDICATORS)), n))
    rows = []
    for seq, i in enumerate(picks, 1):
        cat, name, unit, kind = INDICATORS[i]
        base, target, growth = _value(r, kind)
        attr = "约束性" if kind in ("target", "rate") and cat == "绿色生态" else "预期性"
        rows.append([cat, str(seq), name, unit, base, target, growth, attr])
    kw.setdefault("widths", [1.2, 0.8, 4.2, 1.3, 1.3, 1.3, 2.0, 1.2])
    return Table(header=["类别", "序号", "指标", "单位", "2020年", "2025年", "年均增长", "属性"], rows=rows,
                 merged=run_merges(rows, 0), caption=caption, kind="indicator_targets", **kw)


def review_table(r: random.Random, n: int = 10, **kw) -> Table:
    """Two-level header: 规划目标 over 2020年|年均增速, 完成情况 over 2019年|2020年|平均增速."""
    picks = sorted(r.sample(range(len(INDICATORS)), n))
    rows = []
    for seq, i in enumerate(picks, 1):
        cat, name, unit, kind = INDICATORS[i]
        base, target, growth = _value(r, kind)
        if kind == "target":
            done = ["完成年度考核目标"] * 3
        else:
            done = [base, target if r.random() < 0.5 else base, growth.replace("年均提高", "[").replace("个百分点", "]")
                    if growth.startswith("年均") else growth]
        rows.append([cat, str(seq), name, unit, target, growth] + done)
    header = ["类别", "序号", "指标", "单位", "规划目标/2020年", "规划目标/年均增速",
              "完成情况/2019年", "完成情况/2020年", "完成情况/平均增速"]
    kw.setdefault("widths", [1.1, 0.7, 3.6, 1.0, 1.2, 1.5, 1.2, 1.2, 1.5])
    merged = run_merges(rows, 0)
    for i, row in enumerate(rows):
        if row[6] == row[7] == row[8] == "完成年度考核目标":
            merged.append((i, 6, 1, 3))
    return Table(header=header, rows=rows, merged=merged, kind="indicator_review", **kw)


def jindong() -> dict:
    return json.loads(JINDONG.read_text(encoding="utf-8"))


def jindong_table(which: str, first: int | None = None, **kw) -> Table:
    """One of the bundled plan's indicator tables ("review" = 十三五 completion, "targets" = 十四五)."""
    t = jindong()["tables"][0 if which == "review" else 1]
    src = t["rows"][:first] if first else t["rows"]
    if which == "review":
        header = ["类别", "序号", "指标"] + t["columns"]
        rows = [[x["category"], x["seq"], x["name"]] + [x[c] for c in t["columns"]] for x in src]
        widths = [1.1, 0.7, 4.0, 1.1, 1.3, 1.3, 1.3, 1.3, 1.3]
        merged = run_merges(rows, 0)
        for i, row in enumerate(rows):      # one merged cell where a row repeats a phrase across value columns
            vals = row[3:]
            j = 0
            while j < len(vals):
                k = j
                while k + 1 < len(vals) and vals[k + 1] == vals[j] and len(vals[j]) > 3:
                    k += 1
                if k > j:
                    merged.append((i, 3 + j, 1, k - j + 1))
                j = k + 1
    else:
        header = ["类别", "序号", "指标", "单位"] + t["columns"]
        rows = [[x["category"], x["seq"], x["name"], x["unit"]] + [x[c] for c in t["columns"]] for x in src]
        widths = [1.1, 0.7, 3.6, 1.2, 1.1, 1.2, 1.2, 2.0, 1.1]
        merged = run_merges(rows, 0)
    kw.setdefault("widths", widths)
    kw.setdefault("title", t["title"])
    return Table(header=header, rows=rows, merged=merged, name=t["table_id"],
                 kind="indicator_review" if which == "review" else "indicator_targets", **kw)


# ------------------------------------------------------------------ statistics
CROPS = [("粮食", 0), ("#早稻", 1), ("中稻和一季晚稻", 1), ("双季晚稻", 1), ("油料", 0), ("#油菜籽", 1),
         ("蔬菜", 0), ("水果", 0), ("#柑橘", 1), ("茶叶", 0), ("肉类", 0), ("#猪肉", 1), ("禽蛋", 0),
         ("水产品", 0)]


def crop_table(r: random.Random, year: int = 2023, number: int = 3, **kw) -> Table:
    rows = []
    for name, _ in CROPS:
        rows.append([name, f"{r.uniform(0.5, 90):.2f}", f"{r.uniform(-6, 9):.1f}"])
    return Table(header=["指标名称", "产量（万吨）", "比上年增长（%）"], rows=rows,
                 caption=f"表{number} {year}年主要农产品产量", kind="statistics",
                 widths=[3, 2, 2], align=["left", "right", "right"], **kw)


INDUSTRIES = ["地区生产总值", "第一产业", "第二产业", "#工业", "建筑业", "第三产业", "#批发和零售业",
              "交通运输、仓储和邮政业", "住宿和餐饮业", "金融业", "房地产业", "其他服务业"]


def amounts_table(r: random.Random, year: int = 2023, number: int = 2, **kw) -> Table:
    """Amounts, shares and indices (统计公报 style)."""
    total = r.uniform(300, 900)
    parts = [r.uniform(0.05, 0.3) for _ in INDUSTRIES[1:]]
    rows = [["地区生产总值", f"{total:.2f}", "100.0", f"{r.uniform(103, 108):.1f}"]]
    for name, p in zip(INDUSTRIES[1:], parts, strict=True):
        rows.append([name, f"{total * p:.2f}", f"{100 * p:.1f}", f"{r.uniform(96, 112):.1f}"])
    return Table(header=["指标", "绝对数（亿元）", "比重（%）", "指数（上年=100）"], rows=rows,
                 caption=f"表{number} {year}年地区生产总值及构成", kind="statistics",
                 widths=[3.2, 2, 1.6, 2], align=["left", "right", "right", "right"], **kw)


PROJECTS = [("{r}高铁新城综合开发", "建设站前广场、综合客运枢纽及配套路网约{k}公里"),
            ("{r}现代农业产业园", "建设高标准农田{k}万亩，配套冷链物流和农产品加工中心"),
            ("{r}城市污水处理厂扩容", "新增日处理能力{k}万吨，配套管网{k}公里"),
            ("{r}智能制造产业园", "建设标准厂房{k}万平方米及研发中心、人才公寓"),
            ("{r}全域旅游提升工程", "实施景区提质、旅游公路及游客服务中心建设"),
            ("{r}人民医院新院区", "新建医疗综合楼，新增床位{k}00张"),
            ("{r}中小学扩容工程", "新建、改扩建中小学{k}所，新增学位{k}000个"),
            ("{r}水库除险加固", "实施{k}座小型水库除险加固及灌区续建配套"),
            ("{r}新能源汽车零部件基地", "建设电池、电机、电控生产线{k}条")]


def project_table(r: random.Random, region: str, n: int = 6, **kw) -> Table:
    rows = []
    for seq, (name, what) in enumerate(r.sample(PROJECTS, n), 1):
        k = r.randint(2, 9)
        start = r.choice([2021, 2022, 2023])
        rows.append([str(seq), name.format(r=region.replace("市", "").replace("县", "").replace("区", "")),
                     what.format(k=k), f"{r.uniform(3, 60):.1f}", f"{start}-{start + r.randint(2, 4)}"])
    kw.setdefault("widths", [0.7, 3.0, 4.8, 1.5, 1.6])
    return Table(header=["序号", "项目名称", "建设内容", "总投资（亿元）", "建设年限"], rows=rows,
                 kind="project_list", align=["center", "left", "left", "right", "center"], **kw)


# ------------------------------------------------------------------ sidebars
UNITS = ["区发展改革局", "县科技局", "市商务局", "县农业农村局", "区住房城乡建设局", "县生态环境局", "县文化和旅游局"]


def synthetic_sidebar(r: random.Random, label: str | None, title: str, n: int = 3,
                      style: str = "numbered", **kw) -> Sidebar:
    """Items `1.` heading + text (牵头单位), `（2）` items or `——` items."""
    body = []
    if style == "dashes":
        body.append(Para(sentence(r)))
    for k in range(1, n + 1):
        noun = r.choice(NOUNS)
        text = sentence(r) + f"（牵头单位：{r.choice(UNITS)}）"
        if style == "numbered":
            body.append(Item(f"{k}.", f"{noun}提升工程。", text))
        elif style == "paren":
            body.append(Item(f"（{k}）", f"{noun}。", text))
        else:
            body.append(Item("——", None, f"{noun}：" + sentence(r)))
    return Sidebar(label, title, body, **kw)


ITEM_RE = re.compile(r"^(\d+\.|（\d+）|——)\s*(.*)$")


def jindong_sidebar(seq: int, max_lines: int | None = None, **kw) -> Sidebar:
    """One of the bundled plan's sidebars, its lines as paragraphs and numbered items."""
    s = jindong()["sidebars"][seq - 1]
    body = []
    for line in s["text"].split("\n")[:max_lines]:
        m = ITEM_RE.match(line)
        if not m:
            body.append(Para(line))
            continue
        label, rest = m.groups()
        head, dot, tail = rest.partition("。")
        if label != "——" and dot and len(head) <= 20 and tail:
            body.append(Item(label, head + dot, tail))
        else:
            body.append(Item(label, None, rest))
    return Sidebar(s["sidebar_label"], s["title"], body, **kw)


def letter_space(s: str, sep: str = " ") -> str:
    return sep.join(s)


__all__ = ["REGIONS", "PROVINCES", "rng", "plan_title", "paragraph", "sentence", "CHAPTER_TITLES",
           "SECTION_TITLES", "targets_table", "review_table", "jindong_table", "crop_table", "amounts_table",
           "project_table", "synthetic_sidebar", "jindong_sidebar", "run_merges", "cn_num"]
