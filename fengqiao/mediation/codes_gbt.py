"""Dispute event types of GB/T 31000-2015 and the 15 categories of the bureaus' monthly statistics.

Plain data and a few helpers, no Django: forms, filters, statistics, the API and imports read the same codes.

Where the codes come from
-------------------------
GB/T 31000-2015《社会治安综合治理 基础数据规范》, code tables 事件类型 (matter-and-dispute event type) and
事件规模 (event scale). The standard text itself was not available here; the codes and Chinese names were taken
from an OCR of the standard's tables published in the GitHub repository cpjit/img2java ("根据GBT31000-2015 pdf文档
生成java代码"), commit c4e15250e1a02e47105a9ddf6f2fdac41ac5f436, files src/gen/ocr/事件类型.json,
src/gen/java/EventType.java and src/gen/java/EventsScale.java. The 17 class names in the same order, and the three
scale names, also appear in an unrelated 综治 WeChat mini-program (pages/zzwl/jtgl/zdcl-add/zdcl-add.js).

* Verified against that source: every class code and name, every subtype code and name not listed below, and the
  three scales. Chinese names are as the standard gives them: classes and scales carry their full names
  ("婚恋家庭纠纷", "个体性事件", not the short "婚恋家庭", "个体" of the project's domain notes), subtype names
  are short ("恋爱及婚姻"), and a class's catch-all is just "其他".
* Corrected: 1002 reads "公司企业设立解敬" in the OCR; 敬 is a misread of 散 (company or enterprise formation
  and dissolution), so it is "公司企业设立解散" here. 1201 is written with full-width brackets,
  "村（社区）选举和管理", as in GB text; the OCR has ASCII brackets.
* Not in the standard (see SUPPLEMENTARY_CODES): 1499, 1699 and 9999. The standard gives class 14 (涉法涉诉)
  no catch-all, class 16 (涉民族宗教) only 1601 and 1602, and class 99 (其他) no subtypes at all. The platform
  records four-digit types only, and every class needs an "XX99 其他" so that any dispute can be recorded, so these
  three are added. When sending data to a 综治 platform that accepts only the standard's codes, send the class code
  ("14", "16", "99") for them.
* Compiled for Fengqiao, not from any standard: all English names, STAT_CATEGORIES' codes "01".."15" (the
  categories and their order are those of the bureaus' monthly tables; the two-digit numbering is ours), and
  EVENT_TO_STAT, which is a judgement of how a bureau would count each event type in its monthly table.
"""

# Two-digit classes, in the standard's order.
EVENT_CLASSES: dict[str, tuple[str, str]] = {
    "01": ("婚恋家庭纠纷", "Marriage, love and family disputes"),
    "02": ("邻里纠纷", "Neighbourhood disputes"),
    "03": ("人格权纠纷", "Personality rights disputes"),
    "04": ("物权相关纠纷", "Property rights disputes"),
    "05": ("侵权相关纠纷", "Tort disputes"),
    "06": ("合同及相关纠纷", "Contract disputes"),
    "07": ("劳动人事争议", "Labour and personnel disputes"),
    "08": ("金融借贷纠纷", "Finance and lending disputes"),
    "09": ("土地及资源权属纠纷", "Land and natural-resource ownership disputes"),
    "10": ("其他民商事纠纷", "Other civil and commercial disputes"),
    "11": ("城乡建设发展纠纷", "Urban and rural construction and development disputes"),
    "12": ("涉民政纠纷", "Civil-affairs disputes"),
    "13": ("其他行政执法纠纷", "Other administrative law-enforcement disputes"),
    "14": ("涉法涉诉纠纷", "Disputes involving law enforcement and litigation"),
    "15": ("涉组织涉纪检纠纷", "Disputes involving Party organisation and discipline inspection"),
    "16": ("涉民族宗教纠纷", "Ethnic and religious disputes"),
    "99": ("其他", "Other"),
}

# Four-digit subtypes, by class, in code order.
EVENT_TYPES: dict[str, tuple[str, str]] = {
    # 01 婚恋家庭纠纷
    "0101": ("恋爱及婚姻", "Courtship and marriage"),
    "0102": ("抚养赡养监护", "Child support, support of parents, and guardianship"),
    "0103": ("分家与继承", "Division of family property and inheritance"),
    "0199": ("其他", "Other marriage, love and family disputes"),
    # 02 邻里纠纷
    "0201": ("用水排水通行通风采光", "Water use, drainage, right of way, ventilation and daylight"),
    "0202": ("相邻土地建筑利用", "Use of adjoining land and buildings"),
    "0203": ("相邻污染损害防止", "Prevention of pollution and damage between neighbours"),
    "0299": ("其他", "Other neighbourhood disputes"),
    # 03 人格权纠纷
    "0301": ("姓名肖像", "Name and likeness"),
    "0302": ("名誉隐私", "Reputation and privacy"),
    "0303": ("身体健康及人身自由", "Bodily integrity, health and personal liberty"),
    "0399": ("其他", "Other personality rights disputes"),
    # 04 物权相关纠纷
    "0401": ("财物返还及损害赔偿", "Return of property and compensation for damage"),
    "0402": ("物业及其管理", "Property management"),
    "0403": ("房屋等不动产登记", "Registration of houses and other immovables"),
    "0499": ("其他", "Other property rights disputes"),
    # 05 侵权相关纠纷
    "0501": ("教育机构", "Educational institutions"),
    "0502": ("医疗损害", "Medical injury"),
    "0503": ("交通事故", "Traffic accidents"),
    "0504": ("环境污染", "Environmental pollution"),
    "0505": ("产品责任", "Product liability"),
    "0506": ("网络侵权", "Online infringement"),
    "0507": ("劳务损害", "Injury in the provision of labour services"),
    "0599": ("其他", "Other tort disputes"),
    # 06 合同及相关纠纷
    "0601": ("消费及服务", "Consumption and services"),
    "0602": ("房产买卖租赁", "Sale and lease of housing"),
    "0603": ("交易贸易", "Trade"),
    "0604": ("运输仓储", "Transport and warehousing"),
    "0699": ("其他", "Other contract disputes"),
    # 07 劳动人事争议
    "0701": ("劳动合同、劳务派遣", "Employment contracts and labour dispatch"),
    "0702": ("社会保险", "Social insurance"),
    "0703": ("福利待遇", "Pay and benefits"),
    "0704": ("人事争议", "Public-sector personnel disputes"),
    "0799": ("其他", "Other labour and personnel disputes"),
    # 08 金融借贷纠纷
    "0801": ("证券基金期货", "Securities, funds and futures"),
    "0802": ("投资信托理财", "Investment, trusts and wealth management"),
    "0803": ("保险", "Insurance"),
    "0804": ("借贷及担保", "Loans and guarantees"),
    "0899": ("其他", "Other finance and lending disputes"),
    # 09 土地及资源权属纠纷
    "0901": ("土地承包经营", "Contracted land management"),
    "0902": ("宅基地使用", "Use of homestead land"),
    "0903": ("山林矿产", "Forests, hills and minerals"),
    "0904": ("水域水利", "Waters and water conservancy"),
    "0999": ("其他", "Other land and natural-resource ownership disputes"),
    # 10 其他民商事纠纷
    "1001": ("知识产权", "Intellectual property"),
    "1002": ("公司企业设立解散", "Formation and dissolution of companies and enterprises"),
    "1003": ("海事海商", "Maritime affairs and maritime commerce"),
    "1004": ("竞争纠纷", "Competition"),
    "1005": ("票据与信用证", "Negotiable instruments and letters of credit"),
    "1006": ("无因管理与不当得利", "Negotiorum gestio and unjust enrichment"),
    "1099": ("其他", "Other civil and commercial disputes"),
    # 11 城乡建设发展纠纷
    "1101": ("国有土地上房屋征收", "Expropriation of houses on state-owned land"),
    "1102": ("农村集体土地征用", "Requisition of rural collective land"),
    "1103": ("城乡规划及拆违", "Urban and rural planning and removal of illegal structures"),
    "1104": ("基础设施建设及市政市容", "Infrastructure, municipal works and city appearance"),
    "1105": ("移民安置", "Resettlement"),
    "1199": ("其他", "Other urban and rural construction and development disputes"),
    # 12 涉民政纠纷
    "1201": ("村（社区）选举和管理", "Village (community) elections and management"),
    "1202": ("优抚救助", "Benefits for entitled groups and social assistance"),
    "1203": ("区划边界", "Administrative divisions and boundaries"),
    "1299": ("其他", "Other civil-affairs disputes"),
    # 13 其他行政执法纠纷
    "1301": ("城市管理", "Urban management"),
    "1302": ("教育文体管理", "Education, culture and sports administration"),
    "1303": ("工商税务管理", "Market regulation and taxation"),
    "1304": ("安全生产管理", "Work safety administration"),
    "1305": ("交通运输管理", "Transport administration"),
    "1306": ("海事渔事管理", "Maritime and fisheries administration"),
    "1307": ("计划生育管理", "Family planning administration"),
    "1399": ("其他", "Other administrative law-enforcement disputes"),
    # 14 涉法涉诉纠纷
    "1401": ("涉公安", "Involving the police"),
    "1402": ("涉检察院", "Involving the procuratorate"),
    "1403": ("涉法院", "Involving the courts"),
    "1404": ("涉司法行政机关", "Involving judicial administration bodies"),
    "1499": ("其他", "Other disputes involving law enforcement and litigation"),  # supplementary
    # 15 涉组织涉纪检纠纷
    "1501": ("组织人事", "Party organisation and personnel"),
    "1502": ("干部作风", "Conduct of officials"),
    "1599": ("其他", "Other disputes involving Party organisation and discipline inspection"),
    # 16 涉民族宗教纠纷
    "1601": ("涉民族问题", "Ethnic issues"),
    "1602": ("涉宗教问题", "Religious issues"),
    "1699": ("其他", "Other ethnic and religious disputes"),  # supplementary
    # 99 其他
    "9999": ("其他", "Other disputes"),  # supplementary
}

# Codes in EVENT_TYPES that GB/T 31000-2015 does not define (see the module docstring).
SUPPLEMENTARY_CODES: frozenset[str] = frozenset({"1499", "1699", "9999"})

# The 15 dispute categories of the justice bureaus' monthly mediation statistics, in the tables' order.
STAT_CATEGORIES: dict[str, tuple[str, str]] = {
    "01": ("婚姻家庭", "Marriage and family"),
    "02": ("邻里", "Neighbourhood"),
    "03": ("房屋宅基地", "Houses and homestead land"),
    "04": ("合同", "Contracts"),
    "05": ("生产经营", "Production and business"),
    "06": ("损害赔偿", "Compensation for damage"),
    "07": ("山林土地", "Forests, hills and land"),
    "08": ("征地拆迁", "Land requisition and demolition"),
    "09": ("环境污染", "Environmental pollution"),
    "10": ("劳动争议", "Labour disputes"),
    "11": ("消费", "Consumer disputes"),
    "12": ("医疗", "Medical disputes"),
    "13": ("道路交通事故", "Road traffic accidents"),
    "14": ("物业", "Property management"),
    "15": ("其他", "Other"),
}

# Event type -> statistical category: how each event type is counted in the monthly table.
EVENT_TO_STAT: dict[str, str] = {
    "0101": "01",  # 恋爱及婚姻 -> 婚姻家庭
    "0102": "01",  # 抚养赡养监护 -> 婚姻家庭
    "0103": "01",  # 分家与继承 -> 婚姻家庭
    "0199": "01",
    "0201": "02",  # neighbour relations, whatever the subject -> 邻里
    "0202": "02",
    "0203": "02",  # pollution between neighbours (noise, smoke) is a 邻里 case, not 环境污染
    "0299": "02",
    "0301": "15",  # 姓名肖像 -> 其他
    "0302": "15",  # 名誉隐私 -> 其他
    "0303": "06",  # personal injury, unlawful restraint -> 损害赔偿
    "0399": "15",
    "0401": "06",  # 财物返还及损害赔偿 -> 损害赔偿
    "0402": "14",  # 物业及其管理 -> 物业
    "0403": "03",  # 房屋等不动产登记 -> 房屋宅基地
    "0499": "15",
    "0501": "06",  # injury at school -> 损害赔偿
    "0502": "12",  # 医疗损害 -> 医疗
    "0503": "13",  # 交通事故 -> 道路交通事故
    "0504": "09",  # 环境污染 -> 环境污染
    "0505": "11",  # 产品责任: defective goods bought by consumers -> 消费
    "0506": "15",  # 网络侵权 -> 其他
    "0507": "06",  # 劳务损害: injury without an employment relationship -> 损害赔偿
    "0599": "06",
    "0601": "11",  # 消费及服务 -> 消费
    "0602": "03",  # 房产买卖租赁 -> 房屋宅基地
    "0603": "04",  # 交易贸易 -> 合同
    "0604": "04",  # 运输仓储 -> 合同
    "0699": "04",
    "0701": "10",  # labour and personnel -> 劳动争议
    "0702": "10",
    "0703": "10",
    "0704": "10",
    "0799": "10",
    "0801": "04",  # financial contracts and private lending -> 合同
    "0802": "04",
    "0803": "04",
    "0804": "04",
    "0899": "04",
    "0901": "07",  # 土地承包经营 -> 山林土地
    "0902": "03",  # 宅基地使用 -> 房屋宅基地
    "0903": "07",  # 山林矿产 -> 山林土地
    "0904": "07",  # 水域水利 -> 山林土地
    "0999": "07",
    "1001": "05",  # disputes between businesses -> 生产经营
    "1002": "05",
    "1003": "05",
    "1004": "05",
    "1005": "05",
    "1006": "15",  # 无因管理与不当得利 -> 其他
    "1099": "15",
    "1101": "08",  # expropriation, requisition, demolition, resettlement -> 征地拆迁
    "1102": "08",
    "1103": "08",
    "1104": "15",  # 基础设施建设及市政市容 -> 其他
    "1105": "08",
    "1199": "15",
    "1201": "15",  # civil affairs, administrative enforcement, law and litigation, Party organisation,
    "1202": "15",  # ethnic and religious matters: none of the 14 civil categories -> 其他
    "1203": "15",
    "1299": "15",
    "1301": "15",
    "1302": "15",
    "1303": "15",
    "1304": "15",
    "1305": "15",
    "1306": "15",
    "1307": "15",
    "1399": "15",
    "1401": "15",
    "1402": "15",
    "1403": "15",
    "1404": "15",
    "1499": "15",
    "1501": "15",
    "1502": "15",
    "1599": "15",
    "1601": "15",
    "1602": "15",
    "1699": "15",
    "9999": "15",
}

# Event scale (事件规模), GB/T 31000-2015.
SCALES: dict[str, tuple[str, str]] = {
    "01": ("个体性事件", "Individual incident"),
    "02": ("一般群体性事件", "Ordinary group incident"),
    "03": ("重大群体性事件", "Major group incident"),
}


def _is_english(language: str | None) -> bool:
    return (language or "").lower().startswith("en")


def event_type_label(code: str, language: str = "zh-hans") -> str:
    """The label "0101 恋爱及婚姻", or "0101 Courtship and marriage" when `language` starts with "en".

    KeyError if the code is unknown.
    """
    zh, en = EVENT_TYPES[code]
    return f"{code} {en if _is_english(language) else zh}"


def stat_category_for(code: str) -> str:
    """The statistical category code ("01".."15") an event type is counted under. KeyError if unknown."""
    return EVENT_TO_STAT[code]


def event_type_choices(language: str = "zh-hans") -> list[tuple[str, list[tuple[str, str]]]]:
    """Event types grouped by class for a <select> with optgroups, classes and types in code order."""
    english = _is_english(language)
    groups = []
    for class_code, (zh, en) in EVENT_CLASSES.items():
        options = [(code, event_type_label(code, language)) for code in sorted(EVENT_TYPES) if code[:2] == class_code]
        groups.append((f"{class_code} {en if english else zh}", options))
    return groups


def is_valid_event_type(code: str) -> bool:
    """True for a four-digit code in EVENT_TYPES."""
    return isinstance(code, str) and code in EVENT_TYPES
