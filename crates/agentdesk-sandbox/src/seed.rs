//! Deterministic seed data: the company and its credentials, agents, visitor names and scripts, and
//! a bilingual FAQ of a fictional online shop ("Lumen Mall / 流明商城"). Everything comes from the
//! seeded RNG, so `--seed N` gives the same platform every time.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub fn hex_token(rng: &mut ChaCha8Rng, len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..len)
        .map(|_| HEX[rng.gen_range(0..16)] as char)
        .collect()
}

pub struct AgentSeed {
    pub id: String,
    pub email: String,
    pub password: String,
    pub name: String,
    pub group_id: String,
}

pub const GROUPS: [(&str, &str); 2] = [
    ("g-presales", "售前 Pre-sales"),
    ("g-aftersales", "售后 After-sales"),
];

/// Words the platform's sensitive-word filter refuses in an agent's reply (`200032`). The real list
/// is each company's own setting; these are the sandbox's (docs/PROTOCOL.md).
pub const SENSITIVE_WORDS: [&str; 3] = ["微信转账", "私下交易", "wire me directly"];

/// The demo tenant: the shop whose customers the demo simulates.
pub fn home_tenant() -> TenantProfile {
    TenantProfile {
        company_name: "Lumen Mall 流明商城".into(),
        email: "owner@lumen-mall.sandbox.agentdesk.test".into(),
        contact_name: "周明 Zhou Ming".into(),
        contact_tel: "13100000001".into(),
        max_service_count: 20,
        create_time: "2025-03-01".into(),
        end_time: "2099-12-31".into(),
        enabled: true,
        customer_code: "lumen-mall".into(),
        icon: String::new(),
    }
}

/// Further tenants of the sandbox's union platform: (profile, agents as (name, e-mail local part)).
pub fn other_tenants() -> Vec<(TenantProfile, Vec<(&'static str, &'static str)>)> {
    let profile = |name: &str, code: &str, tel: &str, enabled: bool, created: &str| TenantProfile {
        company_name: name.into(),
        email: format!("owner@{code}.sandbox.agentdesk.test"),
        contact_name: String::new(),
        contact_tel: tel.into(),
        max_service_count: 10,
        create_time: created.into(),
        end_time: "2099-12-31".into(),
        enabled,
        customer_code: code.into(),
        icon: String::new(),
    };
    vec![
        (
            profile(
                "Harbor Tea 港湾茶舍",
                "harbor-tea",
                "13100000002",
                true,
                "2025-06-18",
            ),
            vec![("何雨 He Yu", "heyu"), ("Olivia Brown", "olivia")],
        ),
        (
            profile(
                "Pixel Toys 像素玩具",
                "pixel-toys",
                "13100000003",
                true,
                "2025-09-09",
            ),
            vec![("孙浩 Sun Hao", "sunhao")],
        ),
        (
            profile(
                "Old Shop 旧店",
                "old-shop",
                "13100000004",
                false,
                "2024-01-15",
            ),
            vec![("赵静 Zhao Jing", "zhaojing")],
        ),
    ]
}

/// The demo tenant's agents with names of their own (`agents`).
pub const NAMED_AGENTS: usize = 5;

pub fn agents(rng: &mut ChaCha8Rng) -> Vec<AgentSeed> {
    let names = [
        "林晓 Lin Xiao",
        "陈静 Chen Jing",
        "Sam Carter",
        "王磊 Wang Lei",
        "Maya Singh",
    ];
    names
        .iter()
        .enumerate()
        .map(|(index, name)| AgentSeed {
            id: format!("a{:04}", index + 1),
            email: format!("agent{}@sandbox.agentdesk.test", index + 1),
            password: format!("pw-{}", hex_token(rng, 12)),
            name: name.to_string(),
            group_id: GROUPS[index % GROUPS.len()].0.to_string(),
        })
        .collect()
}

const ZH_SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const ZH_GIVEN: [&str; 16] = [
    "芳", "伟", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英",
];
const EN_FIRST: [&str; 12] = [
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe", "James", "Grace",
    "Leo",
];
const EN_LAST: [&str; 10] = [
    "Wilson", "Brown", "Taylor", "Lee", "Martin", "Clark", "Walker", "Hall", "Young", "King",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Chinese,
    English,
}

pub fn visitor_name(rng: &mut ChaCha8Rng, language: Language) -> String {
    match language {
        Language::Chinese => format!(
            "{}{}",
            ZH_SURNAMES.choose(rng).unwrap_or(&"王"),
            ZH_GIVEN.choose(rng).unwrap_or(&"芳")
        ),
        Language::English => format!(
            "{} {}",
            EN_FIRST.choose(rng).unwrap_or(&"Emma"),
            EN_LAST.choose(rng).unwrap_or(&"Lee")
        ),
    }
}

pub fn phone(rng: &mut ChaCha8Rng) -> String {
    let prefix = [
        "135", "136", "138", "139", "150", "158", "186", "188", "199",
    ]
    .choose(rng)
    .copied()
    .unwrap_or("138");
    format!("{prefix}{:08}", rng.gen_range(0..100_000_000u32))
}

/// Sobot `source` codes the simulated visitors arrive on: web, WeChat, app, Weibo, mobile web, mini program.
pub const CHANNELS: [i64; 6] = [0, 1, 2, 3, 4, 10];

/// What a returning customer talked about last time: their question and the agent's answer.
pub fn past_exchange(rng: &mut ChaCha8Rng, language: Language) -> (&'static str, &'static str) {
    let pool: &[(&str, &str)] = match language {
        Language::Chinese => &[
            ("请问保温杯有蓝色的吗？", "有的亲，蓝色今天下单明天发货。"),
            (
                "发票怎么开？",
                "您在订单详情里点「申请发票」就可以，电子发票 24 小时内发到邮箱。",
            ),
            (
                "我想改一下收货地址",
                "已为您修改好，新的地址会在发货单上体现。",
            ),
            (
                "优惠券用不了是怎么回事？",
                "这张券满 199 可用，您的订单差 20 元，可以再凑一件。",
            ),
        ],
        Language::English => &[
            (
                "Do you ship to Hong Kong?",
                "Yes, we do: 3–5 working days, free above ¥299.",
            ),
            (
                "How do I get an invoice?",
                "Open the order and tap \"Request invoice\"; it arrives by e-mail within a day.",
            ),
            (
                "Can I change my delivery address?",
                "Done: the new address is on the shipping label now.",
            ),
            (
                "My coupon is not accepted.",
                "That coupon needs a ¥199 minimum; your basket is ¥20 short.",
            ),
        ],
    };
    *pool.choose(rng).unwrap_or(&pool[0])
}

/// A simulated visitor's conversation: what they ask, how they follow up, how they close.
pub struct Script {
    pub language: Language,
    pub lines: Vec<String>,
    pub angry: bool,
}

pub fn script(rng: &mut ChaCha8Rng, language: Language, order_no: &str) -> Script {
    let angry = rng.gen_bool(0.2);
    let (calm, furious): (&[&[&str]], &[&[&str]]) = match language {
        Language::Chinese => (ZH_CALM, ZH_ANGRY),
        Language::English => (EN_CALM, EN_ANGRY),
    };
    let pool = if angry { furious } else { calm };
    let chosen = pool.choose(rng).copied().unwrap_or(pool[0]);
    Script {
        language,
        lines: chosen
            .iter()
            .map(|line| line.replace("{order}", order_no))
            .collect(),
        angry,
    }
}

pub fn impatient_line(language: Language, angry: bool) -> &'static str {
    match (language, angry) {
        (Language::Chinese, false) => "你好，还在吗？",
        (Language::Chinese, true) => "怎么没人回复？再不处理我就投诉了！",
        (Language::English, false) => "Hello? Is anyone there?",
        (Language::English, true) => {
            "Nobody is answering. This is unacceptable, I want to file a complaint!"
        }
    }
}

/// What a customer says once they paid a link the agent sent.
pub fn paid_line(language: Language) -> &'static str {
    match language {
        Language::Chinese => "已经付好了，请查收。",
        Language::English => "Paid just now, please check.",
    }
}

pub fn closing_line(language: Language, angry: bool) -> &'static str {
    match (language, angry) {
        (Language::Chinese, false) => "好的，明白了，谢谢！",
        (Language::Chinese, true) => "行吧，希望这次真的能解决。",
        (Language::English, false) => "Great, that helps. Thanks!",
        (Language::English, true) => "Fine. I hope this actually gets fixed this time.",
    }
}

const ZH_CALM: &[&[&str]] = &[
    &[
        "你好，我的订单{order}什么时候发货？",
        "大概几天能到？",
        "可以改成顺丰吗？",
    ],
    &[
        "请问怎么申请退货？",
        "衣服尺码不合适，订单号{order}",
        "退款多久到账？",
    ],
    &["我想开发票，订单{order}", "抬头写公司名可以吗？"],
    &["会员积分怎么用？", "积分会过期吗？"],
    &[
        "你好，快递显示已签收但我没收到，订单{order}",
        "能帮我查一下吗？",
    ],
    &["支付的时候扣款了但订单显示未付款", "订单号是{order}"],
];
const ZH_ANGRY: &[&[&str]] = &[
    &[
        "订单{order}一周了还没发货，你们到底怎么回事？",
        "我要退款！",
        "再不处理我就打12315投诉！",
    ],
    &[
        "收到的手机屏幕是碎的！订单{order}",
        "太差劲了，我要求马上换新",
        "不行我就曝光你们",
    ],
    &["退款申请了十天还没到账，骗子吗？", "我已经咨询律师了"],
];
const EN_CALM: &[&[&str]] = &[
    &[
        "Hi, when will my order {order} ship?",
        "How long does delivery usually take?",
        "Can I change the delivery address?",
    ],
    &[
        "How do I return a pair of shoes?",
        "They are too small. Order {order}",
        "When will I get my refund?",
    ],
    &[
        "I'd like an invoice for order {order}",
        "Can you put my company name on it?",
    ],
    &["How do I use my membership points?", "Do points expire?"],
    &[
        "My parcel says delivered but I never got it. Order {order}",
        "Could you check with the courier?",
    ],
];
const EN_ANGRY: &[&[&str]] = &[
    &[
        "Order {order} is a week late and nobody tells me anything!",
        "I want a refund now.",
        "If this isn't fixed today I'm doing a chargeback.",
    ],
    &[
        "The laptop arrived broken. Order {order}",
        "This is the worst service I've ever had",
        "Cancel my account, I'm talking to my lawyer.",
    ],
];

/// One FAQ article, in the shape of `search_doc_list` / `query_doc_detail` items.
#[derive(Debug, Clone, Serialize)]
pub struct KbArticle {
    pub docid: String,
    pub questionid: String,
    pub question_title: String,
    pub question_typeid: String,
    pub question_type_name: String,
    pub answerid: String,
    pub answer_desc: String,
    pub answer_txt: String,
    pub similar_questions: Vec<String>,
    pub language: &'static str,
    pub update_time: i64,
}

struct Topic {
    category: (&'static str, &'static str, &'static str),
    zh: (&'static str, &'static str, [&'static str; 2]),
    en: (&'static str, &'static str, [&'static str; 2]),
}

const ORDERS: (&str, &str, &str) = ("t-orders", "订单", "Orders");
const REFUNDS: (&str, &str, &str) = ("t-refunds", "退款", "Refunds");
const DELIVERY: (&str, &str, &str) = ("t-delivery", "物流配送", "Delivery");
const PAYMENT: (&str, &str, &str) = ("t-payment", "支付", "Payment");
const MEMBERSHIP: (&str, &str, &str) = ("t-membership", "会员", "Membership");
const AFTER_SALES: (&str, &str, &str) = ("t-aftersales", "售后", "After-sales");

/// `{p}` is replaced by a product line, so each topic yields one article per product and language.
const TOPICS: &[Topic] = &[
    Topic { category: ORDERS, zh: ("{p}订单怎么取消？", "未发货的{p}订单可在「我的订单」中直接取消，已发货的需拒收或申请退货。", ["{p}下单后还能取消吗", "不想要{p}了怎么撤销订单"]), en: ("How do I cancel an order for {p}?", "Orders for {p} that have not shipped can be cancelled in My Orders; shipped ones must be refused or returned.", ["Can I still cancel my {p} order", "I don't want the {p} anymore, how do I cancel"]) },
    Topic { category: ORDERS, zh: ("{p}订单可以修改收货地址吗？", "发货前可在订单详情中修改地址一次，发货后请联系客服协调快递改派。", ["{p}地址填错了怎么办", "买{p}时地址写错了能改吗"]), en: ("Can I change the delivery address of my {p} order?", "Before shipping you can change the address once in the order details; after shipping contact us to redirect the parcel.", ["I entered the wrong address for my {p}", "Change shipping address {p} order"]) },
    Topic { category: ORDERS, zh: ("{p}什么时候发货？", "现货{p}付款后24小时内发货，预售商品以页面标注时间为准。", ["{p}多久发货", "买的{p}怎么还没发货"]), en: ("When will my {p} ship?", "In-stock {p} ship within 24 hours of payment; pre-orders ship on the date shown on the product page.", ["How long until my {p} is shipped", "My {p} has not shipped yet"]) },
    Topic { category: ORDERS, zh: ("{p}订单怎么开发票？", "在订单详情点击「申请发票」，可开具电子普通发票或增值税专用发票。", ["{p}能开公司抬头发票吗", "买{p}要发票"]), en: ("How do I get an invoice for {p}?", "Open the order details and choose Request invoice; electronic and VAT invoices are available.", ["Invoice with company name for {p}", "I need a receipt for my {p}"]) },
    Topic { category: REFUNDS, zh: ("{p}退款多久到账？", "退款审核通过后，原路退回：余额即时到账，银行卡1–5个工作日，信用卡以发卡行为准。", ["{p}退款什么时候到", "{p}的钱怎么还没退回来"]), en: ("How long does a refund for {p} take?", "After approval refunds go back to the original payment method: balance instantly, bank cards in 1–5 business days.", ["When will I get my money back for the {p}", "Refund for {p} not received"]) },
    Topic { category: REFUNDS, zh: ("{p}怎么申请退款？", "在「我的订单」找到{p}订单，点击「申请退款」，选择原因并提交，客服将在24小时内审核。", ["{p}不想要了怎么退钱", "{p}申请退款流程"]), en: ("How do I request a refund for {p}?", "Find the {p} order in My Orders, choose Request refund, pick a reason and submit; we review within 24 hours.", ["I want my money back for the {p}", "Refund process for {p}"]) },
    Topic { category: REFUNDS, zh: ("{p}退款被拒绝怎么办？", "请查看拒绝原因，补充凭证（照片、视频）后可再次申请，或联系人工客服复核。", ["{p}退款申请没通过", "为什么{p}不能退款"]), en: ("My refund for {p} was rejected, what now?", "Check the reason given, add evidence such as photos or video and apply again, or ask an agent to review it.", ["Refund denied for {p}", "Why can't I get a refund for the {p}"]) },
    Topic { category: DELIVERY, zh: ("{p}用什么快递？", "默认发顺丰或中通，偏远地区为邮政；下单时可付费指定顺丰。", ["{p}发什么快递", "{p}能发顺丰吗"]), en: ("Which courier ships {p}?", "We ship with SF Express or ZTO by default, China Post to remote areas; SF can be chosen at checkout for a fee.", ["What courier delivers the {p}", "Can my {p} be sent by SF Express"]) },
    Topic { category: DELIVERY, zh: ("{p}显示已签收但没收到怎么办？", "请先确认代收点、门卫或快递柜；仍未找到请在48小时内联系客服，我们会向快递公司核实。", ["{p}快递签收了我没拿到", "{p}物流显示送达但是没有"]), en: ("My {p} shows delivered but I didn't get it", "Check parcel lockers, reception and neighbours first; if it is still missing contact us within 48 hours and we will investigate with the courier.", ["Parcel with {p} marked delivered but missing", "Never received my {p}"]) },
    Topic { category: DELIVERY, zh: ("怎么查{p}的物流？", "在订单详情点击「查看物流」，或用快递单号在快递公司官网查询。", ["{p}到哪了", "{p}物流信息怎么看"]), en: ("How do I track my {p}?", "Open the order and choose Track package, or use the tracking number on the courier's website.", ["Where is my {p}", "Tracking number for {p}"]) },
    Topic { category: PAYMENT, zh: ("买{p}支持哪些支付方式？", "支持支付宝、微信支付、银联卡、花呗分期及商城余额。", ["{p}能用微信付款吗", "{p}可以分期吗"]), en: ("Which payment methods can I use for {p}?", "Alipay, WeChat Pay, UnionPay cards, instalments and store balance are accepted.", ["Can I pay for {p} with a credit card", "Instalments for {p}"]) },
    Topic { category: PAYMENT, zh: ("买{p}扣款了但订单未付款？", "支付结果可能有延迟，请等待15分钟；若仍未更新，款项会在1–3个工作日自动退回。", ["{p}付了钱订单还是待支付", "{p}重复扣款"]), en: ("I was charged for {p} but the order says unpaid", "Payment status can lag up to 15 minutes; if it does not update, the charge is reversed automatically within 1–3 business days.", ["Charged twice for {p}", "Paid for {p} but order pending"]) },
    Topic { category: MEMBERSHIP, zh: ("买{p}能用积分吗？", "每100积分抵1元，最多抵扣{p}订单金额的30%。", ["{p}积分抵扣", "积分能买{p}吗"]), en: ("Can I use points to buy {p}?", "Every 100 points take 1 yuan off, up to 30% of the {p} order value.", ["Use membership points on {p}", "Points discount for {p}"]) },
    Topic { category: MEMBERSHIP, zh: ("会员买{p}有折扣吗？", "银卡95折、金卡9折、黑卡88折，大促期间与店铺券可叠加。", ["{p}会员价", "会员买{p}优惠"]), en: ("Do members get a discount on {p}?", "Silver 5% off, Gold 10% off, Black 12% off; stacks with shop coupons during sales.", ["Member price for {p}", "Membership discount {p}"]) },
    Topic { category: AFTER_SALES, zh: ("{p}质量问题怎么换货？", "签收7天内质量问题可免费换新，请在订单中申请「换货」并上传照片，我们上门取件。", ["{p}坏了能换吗", "{p}有瑕疵要换新"]), en: ("How do I exchange a faulty {p}?", "Faulty {p} can be exchanged free within 7 days of delivery: request an exchange in the order with photos and we collect it.", ["My {p} is broken, can I swap it", "Defective {p} replacement"]) },
    Topic { category: AFTER_SALES, zh: ("{p}保修多久？", "{p}享受一年质保，凭订单号即可报修，无需纸质发票。", ["{p}保修期", "{p}坏了在保修吗"]), en: ("What is the warranty on {p}?", "{p} come with a one-year warranty; the order number is enough to claim it.", ["Warranty period for {p}", "Is my {p} still under warranty"]) },
];

const PRODUCTS_ZH: [&str; 10] = [
    "手机",
    "笔记本电脑",
    "耳机",
    "运动鞋",
    "外套",
    "护肤品",
    "家电",
    "图书",
    "生鲜水果",
    "儿童玩具",
];
const PRODUCTS_EN: [&str; 10] = [
    "phones",
    "laptops",
    "headphones",
    "sneakers",
    "coats",
    "skincare",
    "home appliances",
    "books",
    "fresh fruit",
    "toys",
];

/// 16 topics × 10 product lines × 2 languages = 320 articles, each with two similar questions.
pub fn knowledge_base(base_time_ms: i64) -> Vec<KbArticle> {
    let mut articles = Vec::new();
    for (topic_index, topic) in TOPICS.iter().enumerate() {
        for product_index in 0..PRODUCTS_ZH.len() {
            for (language, (title, answer, similar), product, type_name) in [
                ("zh", topic.zh, PRODUCTS_ZH[product_index], topic.category.1),
                ("en", topic.en, PRODUCTS_EN[product_index], topic.category.2),
            ] {
                let n = articles.len() + 1;
                let fill = |text: &str| text.replace("{p}", product);
                let answer_txt = fill(answer);
                articles.push(KbArticle {
                    docid: format!("doc-{n:04}"),
                    questionid: format!("q-{n:04}"),
                    question_title: fill(title),
                    question_typeid: topic.category.0.to_string(),
                    question_type_name: type_name.to_string(),
                    answerid: format!("ans-{n:04}"),
                    answer_desc: format!("<p>{answer_txt}</p>"),
                    answer_txt,
                    similar_questions: similar.iter().map(|s| fill(s)).collect(),
                    language,
                    update_time: base_time_ms + (topic_index * 100 + product_index) as i64 * 60_000,
                });
            }
        }
    }
    articles
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn knowledge_base_has_at_least_300_bilingual_articles_with_similar_questions() {
        let kb = knowledge_base(0);
        assert!(kb.len() >= 300);
        assert!(kb.iter().any(|a| a.language == "zh") && kb.iter().any(|a| a.language == "en"));
        assert!(kb
            .iter()
            .all(|a| !a.similar_questions.is_empty() && !a.question_title.contains("{p}")));
        let ids: std::collections::HashSet<_> = kb.iter().map(|a| &a.docid).collect();
        assert_eq!(ids.len(), kb.len());
    }

    #[test]
    fn the_same_seed_gives_the_same_agents() {
        let a = agents(&mut ChaCha8Rng::seed_from_u64(7));
        let b = agents(&mut ChaCha8Rng::seed_from_u64(7));
        let c = agents(&mut ChaCha8Rng::seed_from_u64(8));
        assert_eq!(a[0].password, b[0].password);
        assert_ne!(a[0].password, c[0].password);
    }
}

/// A tenant (商户) as the e-commerce platform API describes it.
#[derive(Debug, Clone)]
pub struct TenantProfile {
    pub company_name: String,
    /// The tenant's super-administrator e-mail.
    pub email: String,
    pub contact_name: String,
    pub contact_tel: String,
    /// `maxCount`: most agents the tenant may have.
    pub max_service_count: usize,
    /// `yyyy-MM-dd`.
    pub create_time: String,
    pub end_time: String,
    pub enabled: bool,
    /// `customerCode`: the tenant's id on the union platform.
    pub customer_code: String,
    pub icon: String,
}
