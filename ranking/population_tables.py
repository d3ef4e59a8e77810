"""Weighted tables behind the synthetic population (ranking.population).

Plain data; docs/population.md explains where each weight comes from. Weights are
relative (they need not sum to 1). Every district name is one of facts format 1's.
"""

from __future__ import annotations

CENTRAL_SIX = ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区")

# Area code per district: identity numbers of Beijing-born applicants and the 6-digit
# area part of employers' credit codes. 北京经济技术开发区 registers under 110302 in
# credit codes; 市本级 employers under 110000.
DISTRICT_AREA = {
    "东城区": "110101",
    "西城区": "110102",
    "朝阳区": "110105",
    "丰台区": "110106",
    "石景山区": "110107",
    "海淀区": "110108",
    "门头沟区": "110109",
    "房山区": "110111",
    "通州区": "110112",
    "顺义区": "110113",
    "昌平区": "110114",
    "大兴区": "110115",
    "怀柔区": "110116",
    "平谷区": "110117",
    "密云区": "110118",
    "延庆区": "110119",
    "北京经济技术开发区": "110302",
    "市本级": "110000",
}

# Where employers pay social insurance: jobs concentrate in 朝阳 and 海淀.
SOCIAL_INSURANCE_DISTRICTS = {
    "朝阳区": 27,
    "海淀区": 25,
    "西城区": 9,
    "东城区": 6,
    "丰台区": 6,
    "石景山区": 2,
    "市本级": 4,
    "北京经济技术开发区": 4,
    "昌平区": 3.5,
    "大兴区": 3,
    "通州区": 3.5,
    "顺义区": 3,
    "房山区": 1.2,
    "门头沟区": 0.6,
    "怀柔区": 0.6,
    "平谷区": 0.5,
    "密云区": 0.5,
    "延庆区": 0.3,
}

# Where applicants own homes: mostly the outer ring where they can afford one.
OWN_HOME_DISTRICTS = {
    "朝阳区": 14,
    "海淀区": 9,
    "丰台区": 10,
    "东城区": 2,
    "西城区": 2,
    "石景山区": 4,
    "通州区": 14,
    "昌平区": 14,
    "大兴区": 12,
    "房山区": 6,
    "顺义区": 5,
    "门头沟区": 2,
    "怀柔区": 1,
    "平谷区": 1,
    "密云区": 1,
    "延庆区": 0.5,
    "北京经济技术开发区": 2.5,
}

# Rented homes and dormitories: near the jobs.
RENTAL_DISTRICTS = {
    "朝阳区": 26,
    "海淀区": 22,
    "丰台区": 10,
    "西城区": 4,
    "东城区": 3,
    "石景山区": 4,
    "昌平区": 10,
    "通州区": 7,
    "大兴区": 6,
    "顺义区": 3,
    "房山区": 2,
    "门头沟区": 1,
    "北京经济技术开发区": 2,
}

# Birthplace area codes of applicants born outside Beijing (prefecture seats), weighted
# towards the provinces that send most migrants to Beijing.
OTHER_AREAS = {
    "130102": 9, "130203": 3, "130602": 4, "131002": 3, "130402": 2,  # 河北
    "370102": 4, "370202": 2, "371302": 2,  # 山东
    "410102": 5, "410302": 2, "411302": 2,  # 河南
    "420102": 3, "430102": 3, "360102": 2,  # 湖北 湖南 江西
    "230102": 4, "220102": 3, "210102": 3,  # 东北
    "140105": 4, "150102": 2, "120101": 2,  # 山西 内蒙古 天津
    "340102": 3, "320102": 2, "330102": 1.5, "350102": 1,  # 安徽 江苏 浙江 福建
    "510104": 2, "500101": 1.5, "610102": 2, "620102": 1,  # 四川 重庆 陕西 甘肃
    "440103": 1, "450102": 0.7, "530102": 0.7, "520102": 0.6,  # 广东 广西 云南 贵州
    "640104": 0.4, "630102": 0.3, "650102": 0.5, "460105": 0.3,  # 宁夏 青海 新疆 海南
}  # fmt: skip

SURNAMES = {
    "王": 7.2, "李": 7.0, "张": 6.8, "刘": 5.4, "陈": 4.6, "杨": 3.2, "赵": 2.4,
    "黄": 2.2, "周": 2.1, "吴": 2.0, "徐": 1.7, "孙": 1.6, "胡": 1.3, "朱": 1.2,
    "高": 1.2, "林": 1.0, "何": 1.0, "郭": 1.0, "马": 1.0, "罗": 0.9, "梁": 0.8,
    "宋": 0.8, "郑": 0.8, "谢": 0.7, "韩": 0.7, "唐": 0.7, "冯": 0.6, "于": 0.6,
    "董": 0.6, "萧": 0.2, "程": 0.5, "曹": 0.5, "袁": 0.5, "邓": 0.5, "许": 0.5,
    "傅": 0.4, "沈": 0.4, "曾": 0.4, "彭": 0.4, "吕": 0.4, "苏": 0.4, "卢": 0.4,
    "蒋": 0.4, "蔡": 0.4, "贾": 0.3, "丁": 0.3, "魏": 0.3, "薛": 0.3, "叶": 0.3,
    "阎": 0.3, "余": 0.3, "潘": 0.3, "杜": 0.3, "戴": 0.3, "夏": 0.3, "钟": 0.3,
    "汪": 0.3, "田": 0.3, "任": 0.3, "姜": 0.3, "范": 0.3, "方": 0.3, "石": 0.3,
    "姚": 0.3, "谭": 0.2, "廖": 0.2, "邹": 0.2, "熊": 0.2, "金": 0.2, "陆": 0.2,
    "郝": 0.2, "孔": 0.2, "白": 0.2, "崔": 0.2, "康": 0.2, "毛": 0.2, "邱": 0.2,
    "秦": 0.2, "江": 0.2, "史": 0.2, "顾": 0.2, "侯": 0.2, "邵": 0.2, "孟": 0.2,
    "龙": 0.2, "万": 0.2, "段": 0.2, "雷": 0.2, "钱": 0.2, "汤": 0.2, "尹": 0.2,
    "黎": 0.1, "易": 0.1, "常": 0.1, "武": 0.1, "乔": 0.1, "贺": 0.1, "赖": 0.1,
    "欧阳": 0.05, "司马": 0.02, "上官": 0.02, "诸葛": 0.02,
}  # fmt: skip

GIVEN_COMMON = "子文宇晨思一嘉欣佳明昊雨泽涛辰安宁阳晓春秋志永新天立家云博海"
GIVEN_MALE = "伟强磊军勇杰斌超鹏浩刚健峰毅俊鑫亮凯飞龙辉波东宏建国华平成林瑞轩睿"
GIVEN_FEMALE = "静丽敏燕娜婷霞芳玲萍颖琳莉雪梅洁倩璐瑶妍晶怡琪蕾慧丹红艳雯茜娟"

BRANDS = (
    "华信",
    "中科",
    "京东",
    "博远",
    "启明",
    "瑞达",
    "天成",
    "恒通",
    "新锐",
    "金桥",
    "宏图",
    "北辰",
    "星河",
    "长城",
    "远景",
    "智联",
    "融创",
    "九州",
    "盛世",
    "东方",
    "泰和",
    "安泰",
    "嘉禾",
    "汇丰",
    "鼎盛",
    "诚达",
    "万通",
    "众合",
    "中关",
    "致远",
    "同方",
    "云图",
    "领航",
    "蓝海",
    "正道",
    "德信",
    "明德",
    "华夏",
    "光华",
    "清源",
    "国泰",
    "天宇",
    "卓越",
    "睿博",
    "优联",
    "新华",
    "兴业",
    "和信",
    "世纪",
    "联创",
    "弘毅",
    "方圆",
    "晨光",
    "海纳",
    "锦程",
    "润泽",
    "泽惠",
    "燕京",
    "紫光",
    "京城",
    "金隅",
    "首创",
    "永安",
    "中信",
)

INDUSTRIES = {
    "科技": 14, "信息技术": 10, "网络科技": 8, "软件": 6, "生物医药": 4, "医疗器械": 2,
    "电子": 3, "建筑工程": 4, "商贸": 5, "文化传媒": 4, "管理咨询": 4, "物流": 3,
    "餐饮管理": 2, "教育科技": 4, "金融服务": 2, "房地产开发": 2, "汽车销售": 2,
    "广告": 2, "人力资源服务": 2, "环保科技": 2, "新能源": 2, "数据服务": 3,
}  # fmt: skip

COMPANY_SUFFIXES = {"有限公司": 85, "股份有限公司": 10, "有限责任公司": 5}

INSTITUTION_KINDS = ("研究院", "研究所", "医院", "中学", "设计院", "检测中心", "出版社")
NONPROFIT_KINDS = ("职业技能培训学校", "社会工作服务中心", "养老服务中心", "科技促进中心")

# (code, grade, rank range, role, weight). rank None: the row has no completer
# positions. Ranks run somewhat past the last scoring band so some awards score 0.
AWARD_ROWS = (
    ("national_natural_science", "first", (1, 8), None, 0.3),
    ("national_natural_science", "second", (1, 7), None, 0.6),
    ("national_technological_invention", "first", (1, 8), None, 0.3),
    ("national_technological_invention", "second", (1, 8), None, 0.6),
    ("national_sci_tech_progress", "special", (1, 55), None, 0.2),
    ("national_sci_tech_progress", "first", (1, 18), None, 0.8),
    ("national_sci_tech_progress", "second", (1, 12), None, 2.0),
    ("beijing_sci_tech", "zgc_outstanding", None, None, 0.1),
    ("beijing_sci_tech", "zgc_young", None, None, 0.3),
    ("beijing_sci_tech", "major_innovation", (1, 22), None, 0.5),
    ("beijing_sci_tech", "special", (1, 32), None, 0.3),
    ("beijing_sci_tech", "first", (1, 17), None, 2.0),
    ("beijing_sci_tech", "second", (1, 12), None, 3.5),
    ("beijing_sci_tech", "third", (1, 8), None, 4.0),
    ("five_ones_project", None, None, None, 0.3),
    ("china_journalism", "special", None, None, 0.1),
    ("china_journalism", "first", None, None, 0.3),
    ("china_journalism", "second", None, None, 0.6),
    ("china_journalism", "third", None, None, 1.0),
    ("changjiang_taofen", None, None, None, 0.1),
    ("beijing_social_science", "special", None, None, 0.2),
    ("beijing_social_science", "first", None, None, 0.6),
    ("beijing_social_science", "second", None, None, 1.2),
    ("beijing_literature_art", None, None, None, 0.8),
    ("capital_civilization", None, None, None, 0.8),
    ("beijing_journalism", "first", None, None, 0.6),
    ("beijing_journalism", "second", None, None, 1.0),
    ("beijing_journalism", "third", None, None, 1.4),
    ("china_innovation_contest", "first", None, None, 0.4),
    ("china_innovation_contest", "second", None, None, 0.8),
    ("china_innovation_contest", "third", None, None, 1.2),
    ("beijing_innovation_contest", "first", None, None, 1.0),
    ("beijing_innovation_contest", "second", None, None, 1.8),
    ("beijing_innovation_contest", "third", None, None, 2.5),
    ("world_skills", None, None, None, 0.2),
    ("national_skill_contest", None, (1, 12), None, 4.0),
    ("beijing_skill_contest", None, (1, 12), None, 8.0),
    ("beijing_cultural_creativity", "first", None, None, 0.5),
    ("beijing_cultural_creativity", "second", None, None, 0.8),
    ("beijing_cultural_creativity", "third", None, None, 1.2),
    ("beijing_cultural_creativity", "single", None, None, 1.5),
    ("china_chuangyi", "first", None, None, 0.2),
    ("china_chuangyi", "second", None, None, 0.3),
    ("china_chuangyi", "third", None, None, 0.5),
    ("chuangye_beijing", "first", None, None, 0.4),
    ("chuangye_beijing", "second", None, None, 0.6),
    ("chuangye_beijing", "third", None, None, 1.0),
)

HONOR_CODES = {
    "beijing_model_worker": 40,
    "national_model_worker": 6,
    "model_worker_equivalent": 20,
    "national_moral_model": 2,
    "capital_moral_model": 8,
    "national_heroic_model": 1,
    "capital_heroic_citizen": 12,
}
