#!/usr/bin/env python3
"""Writes wallet-train.jsonl: the bilingual training set of the built-in model.

Every message is composed from the hand-written fragments below (what the customer wants, the
details they add, how they open and close) with a fixed seed, so the file is reproducible:

    python3 triage/data/generate.py > triage/data/wallet-train.jsonl

Variety is the point: one-line chats, long emails with a greeting and a signature, callback
reasons, Simplified and Traditional characters, Chinese mixed with English words, typos,
angry and calm customers, amounts and merchant names. Priorities follow the rules stated in
triage/README.md. Nothing here is taken from shared/data.
"""

import json
import random
import sys

SEED = 20240916
PER_CATEGORY = 320

MERCHANTS_EN = ["Starbucks", "FamilyMart", "JD.com", "Taobao", "Meituan", "Didi", "Uniqlo", "IKEA", "Apple Store",
                "Steam", "Netflix", "McDonald's", "7-Eleven", "Trip.com", "Pinduoduo", "Walmart", "Luckin Coffee"]
MERCHANTS_ZH = ["星巴克", "全家", "京东", "淘宝", "美团", "滴滴", "优衣库", "宜家", "麦当劳", "拼多多", "瑞幸",
                "盒马", "携程", "沃尔玛", "便利蜂", "饿了么", "肯德基"]
BANKS_EN = ["ICBC", "Bank of China", "China Merchants Bank", "HSBC", "CCB", "Agricultural Bank", "Citibank"]
BANKS_ZH = ["工商银行", "中国银行", "招商银行", "建设银行", "农业银行", "交通银行", "邮储银行"]
COUNTRIES_EN = ["the UK", "Canada", "Australia", "Japan", "Germany", "Singapore", "the US", "Thailand"]
COUNTRIES_ZH = ["英国", "加拿大", "澳洲", "日本", "德国", "新加坡", "美国", "泰国"]
NAMES_EN = ["Mike", "Lisa Wong", "J. Chen", "Priya", "Tom Becker", "Anna", "Kevin Liu", "Grace", "Omar", "Sarah K."]
NAMES_ZH = ["王先生", "李女士", "小陈", "张伟", "刘阿姨", "赵", "孙经理", "周同学", "吴", "黄小姐"]
DEVICES = ["iPhone", "Huawei", "Xiaomi", "Samsung", "Pixel", "OPPO", "iPad", "vivo"]


def amount(rng, large=None):
    big = rng.random() < 0.3 if large is None else large
    value = rng.choice([6000, 8800, 12000, 20000, 35000, 50000]) if big else rng.choice([12, 38, 58, 99, 150, 260, 480, 1200])
    style = rng.randrange(5)
    if style == 0:
        return f"¥{value:,}", value
    if style == 1:
        return f"{value}元", value
    if style == 2:
        return f"{value} CNY", value
    if style == 3:
        usd = max(1, value // 7)
        return f"${usd:,}", usd * 7.2
    return f"RMB {value}", value


# Each category: English cores, Chinese cores, email subjects (en, zh), extra details (en, zh).
# `{amt}`, `{m}` (merchant), `{bank}`, `{country}`, `{dev}`, `{n}` are filled in per message.
CATEGORIES = {
    "payment_failed": dict(
        en=["my payment at {m} keeps failing", "tried to pay {amt} at {m} and it says declined",
            "payment failed again when scanning the QR code at {m}", "the checkout says 'transaction failed' every time",
            "cant pay with my linked {bank} card, it just says payment unsuccessful",
            "it says insufficient balance but I have {amt} in the wallet", "paying by QR at the shop doesn't go through",
            "every payment above {amt} is rejected, says limit exceeded", "the payment spins and then errors out at {m}",
            "my card got declined at {m} while paying {amt}", "online payment on {m} fails at the last step",
            "payment didn't go through and the cashier made me pay cash", "why is my payment being rejected? card is fine",
            "I don't think anything is hacked, the payment just fails at checkout", "bill payment for electricity failed twice"],
        zh=["在{m}付款一直失败", "扫码付{amt}提示支付失败", "付款的时候显示交易失败，试了好几次",
            "绑定的{bank}卡付不了款", "余额明明有{amt}，却提示余额不足", "超过{amt}就付不了，说超出限额",
            "在{m}买东西付款一直转圈然后报错", "收银员扫我的付款码一直不成功", "网上买东西到最后一步支付失败",
            "交电费支付失败两次了", "付款被拒绝，卡是正常的", "支付不了，提示银行卡扣款失败",
            "账户没被盗什么的，就是付不了钱", "{m}结账付不出去，只能用现金"],
        subj_en=["Payment failed", "Card declined at checkout", "Can't pay", "Payment error"],
        subj_zh=["支付失败", "付款不成功", "无法付款", "扣款失败"],
        det_en=["I tried {n} times.", "Tried another card too, same thing.", "It happened at {m} today.", "The error code was E1043."],
        det_zh=["试了{n}次了。", "换了一张卡也不行。", "今天在{m}发生的。", "错误码是E1043。"],
    ),
    "funds_not_received": dict(
        en=["I withdrew {amt} to my {bank} card and it never arrived", "sent {amt} to my friend, he hasn't received it",
            "my top-up of {amt} is not showing in the balance", "withdrawal says completed but nothing in my bank account",
            "transfer to my mum is stuck on processing", "where is my money? the transfer left my wallet {n} days ago",
            "the money was deducted but the recipient got nothing", "balance didn't go up after I topped up {amt} from {bank}",
            "my withdrawal to {bank} is still pending after {n} days", "he says the {amt} I sent never came through",
            "the transfer shows success but my landlord didn't get it", "money left my bank but the wallet still shows 0"],
        zh=["提现{amt}到{bank}卡一直没到账", "给朋友转了{amt}，他说没收到", "充值{amt}余额没变",
            "提现显示成功但是银行卡没收到钱", "给我妈转账一直显示处理中", "钱从钱包扣了但对方没收到",
            "从{bank}充值{amt}，钱包里没显示", "提现到{bank}，{n}天了还是没到", "转给房东的钱显示成功，房东说没收到",
            "银行卡扣了钱，钱包余额没增加", "转账已经{n}天了还没到账", "我的钱去哪了？提现一直不到"],
        subj_en=["Withdrawal not received", "Transfer not arrived", "Top-up missing", "Where is my money"],
        subj_zh=["提现未到账", "转账没到", "充值未到账", "钱没收到"],
        det_en=["Reference TX-{n}0871.", "It's been {n} days.", "My bank says nothing came in.", "Screenshot attached."],
        det_zh=["流水号 TX{n}0871。", "已经{n}天了。", "银行说没有入账记录。", "截图附上。"],
    ),
    "account_compromised": dict(
        en=["my account was hacked, there are payments I never made", "someone logged into my wallet from {country}",
            "I see {n} charges from {m} and none of them are mine", "got a login alert from a {dev} I don't own",
            "somebody is spending my balance right now, freeze it please", "my phone was stolen and the wallet is still logged in",
            "a caller said he was from your support, I shared my screen and now my money is gone",
            "I got a text saying my password was changed but I didn't change it", "there's a transfer of {amt} I did not authorize",
            "someone changed my phone number on the account", "I think I was scammed, I gave a stranger the verification code",
            "the app shows a new device login from another city at 3am", "money is leaving my account as we speak, lock it",
            "they told me to move my balance to a safe account and now it's gone", "purchases on {m} with my account that weren't me"],
        zh=["我的账号被盗了，有几笔不是我操作的", "有人在{country}登录了我的账户", "账单里有{n}笔{m}的消费，都不是我买的",
            "收到一台陌生{dev}的登录提醒", "有人正在用我的余额消费，快帮我冻结", "手机被偷了，钱包还登着",
            "自称客服的人让我开屏幕共享，现在钱没了", "收到短信说密码已修改，可我没改过", "有一笔{amt}的转账我没有授权",
            "有人改了我绑定的手机号", "被骗了，把验证码告诉了陌生人", "凌晨三点收到异地登录提醒",
            "钱一直在被转走，赶紧冻结账户", "对方让我把钱转到安全账户，现在全没了", "有人用我的账号在{m}买东西"],
        subj_en=["Account hacked", "Unauthorized transactions", "URGENT - someone is in my account", "Fraud on my wallet"],
        subj_zh=["账号被盗", "盗刷", "紧急！账户异常", "有人登录我的账户"],
        det_en=["Please act fast.", "I'm scared.", "It's still happening.", "I already changed my password."],
        det_zh=["请尽快处理。", "我很着急。", "现在还在扣。", "我已经改了密码。"],
    ),
    "account_locked": dict(
        en=["my account is frozen and I can't use my balance", "why was my wallet suspended? I did nothing wrong",
            "account restricted after the verification, please unfreeze it", "it says my account is locked due to risk control",
            "I can't withdraw, the account is limited", "please unblock my account, I've uploaded my ID twice",
            "my account got banned with no explanation", "how do I appeal the freeze on my account",
            "account frozen after a transfer of {amt} from a friend", "the app says my account is temporarily disabled",
            "you froze my account and I need my money for rent", "they asked me to verify my identity and it's still locked"],
        zh=["我的账户被冻结了，余额用不了", "为什么封我的号？我什么都没做", "实名认证后账户受限，请帮我解冻",
            "提示账户因风控被锁定", "账户被限制了，不能提现", "身份证都上传两次了，还是没解封",
            "账号无缘无故被封了", "账户冻结了怎么申诉", "朋友转了我{amt}后账户就被冻结了",
            "app提示账户暂时停用", "你们冻结了我的账户，我要交房租", "人脸认证过了还是被锁"],
        subj_en=["Account frozen", "Account suspended", "Please unfreeze", "Account restricted"],
        subj_zh=["账户被冻结", "账号被封", "申请解冻", "账户受限"],
        det_en=["I've been a customer for {n} years.", "I uploaded my passport.", "Please tell me what documents you need."],
        det_zh=["我用了{n}年了。", "护照已经上传。", "需要什么材料请告诉我。"],
    ),
    "password_reset": dict(
        en=["I forgot my password and can't log in", "the reset link in the email doesn't work",
            "forgot my payment PIN, how do I reset it", "the reset code never arrives by SMS",
            "I changed my password yesterday and now it says it's wrong", "locked out after too many wrong passwords",
            "can't reset password because I no longer have the old number", "the password reset page keeps saying error",
            "I don't remember my login password, need to set a new one", "reset password email goes to an address I no longer use",
            "forgot both my login and payment passwords", "no, I wasn't hacked, I just forgot the password",
            "nothing stolen or anything, I simply can't get back into my account"],
        zh=["忘记密码了，登不上", "邮件里的重置链接打不开", "支付密码忘了怎么重置", "找回密码的验证码一直收不到",
            "昨天刚改的密码，今天说密码错误", "输错密码太多次被锁了", "原来的手机号不用了，没法找回密码",
            "重置密码页面一直报错", "登录密码想不起来了，想重新设置", "重置邮件发到我以前的邮箱了",
            "登录密码和支付密码都忘了", "没被盗，就是密码忘了", "不是被盗号，就是登不上去了", "账号没有被黑，我只是想不起密码"],
        subj_en=["Forgot password", "Password reset not working", "Reset my PIN", "Can't log in"],
        subj_zh=["忘记密码", "重置密码失败", "支付密码重置", "登录不了"],
        det_en=["My username is the same phone number.", "I tried {n} times.", "I have my ID ready."],
        det_zh=["手机号没变。", "试了{n}次。", "身份证在手边。"],
    ),
    "refund": dict(
        en=["I returned the item to {m} and still no refund", "refund of {amt} for a cancelled order hasn't come back",
            "the merchant says they refunded me but I don't see it", "I want a refund for a double charge at {m}",
            "how long does a refund take to reach the wallet", "order cancelled {n} days ago, where is my money back",
            "{m} approved my refund but the balance is the same", "please refund the {amt} that was charged twice",
            "I need my money back for a subscription I cancelled", "refund went to the card, not the wallet, can you check",
            "the seller agreed to refund but nothing happened", "charged for a ride that was cancelled, want a refund"],
        zh=["在{m}退货了，退款一直没到", "取消订单的{amt}退款没回来", "商家说已经退款了，我没看到",
            "在{m}被重复扣款，要求退款", "退款一般多久到钱包", "订单{n}天前就取消了，钱什么时候退",
            "{m}同意退款了，余额没变", "重复扣了{amt}，请退给我", "订阅已经取消了，要退费",
            "退款退到卡上了还是钱包里？", "卖家答应退款但一直没动静", "打车取消了还扣钱，要求退款"],
        subj_en=["Refund not received", "Refund request", "Money back for cancelled order", "Double charge refund"],
        subj_zh=["退款未到账", "申请退款", "退款问题", "重复扣款退款"],
        det_en=["Order number 2024{n}55321.", "The merchant confirmed by email.", "It's been {n} days."],
        det_zh=["订单号2024{n}55321。", "商家邮件确认过了。", "已经{n}天了。"],
    ),
    "international": dict(
        en=["I sent {amt} to my son in {country} and it's stuck", "what's the exchange rate for sending money to {country}",
            "can I receive a SWIFT transfer from {country}", "my overseas card from {country} is not accepted",
            "international transfer fee seems too high", "need the MT103 for my transfer abroad",
            "how many days does a transfer to {country} take", "payment in USD was converted at a bad rate",
            "my cross-border remittance was returned", "can I pay in foreign currency while travelling in {country}",
            "the IBAN transfer to {country} failed", "my tuition payment to a university in {country} hasn't arrived"],
        zh=["给在{country}的儿子汇了{amt}，一直卡着", "汇款到{country}的汇率是多少", "能收{country}的境外汇款吗",
            "{country}的卡绑不上", "跨境转账手续费太高了", "需要境外汇款的MT103凭证", "汇到{country}要几天",
            "美元支付的汇率太坑了", "跨境汇款被退回了", "在{country}旅游能用外币支付吗", "国际汇款到{country}失败",
            "给{country}大学交的学费还没到"],
        subj_en=["International transfer", "Overseas remittance", "Exchange rate question", "SWIFT transfer stuck"],
        subj_zh=["境外汇款", "跨境转账", "汇率问题", "国际汇款未到"],
        det_en=["The receiving bank is HSBC.", "Reference INT-{n}3319.", "It's for tuition."],
        det_zh=["收款行是汇丰。", "参考号INT{n}3319。", "是交学费用的。"],
    ),
    "app_technical": dict(
        en=["the app crashes every time I open it", "stuck on the loading screen after the update",
            "app keeps logging me out", "face ID stopped working in the app", "the balance page is blank",
            "notifications don't show up anymore", "the app freezes when I tap on bills", "it won't install on my {dev}",
            "buttons overlap on the screen after the new version", "the QR scanner shows a black screen",
            "the app is super slow and laggy", "error 500 when opening transaction history"],
        zh=["app一打开就闪退", "更新后一直卡在加载页面", "老是自动退出登录", "人脸识别在app里用不了了",
            "余额页面白屏", "收不到通知了", "点账单就卡死", "在{dev}上装不上", "新版本按钮都重叠了",
            "扫码界面黑屏", "app特别卡，很慢", "打开交易记录报错500", "账号应该没被黑，就是app登录界面一直转圈"],
        subj_en=["App crashing", "App not working", "Bug after update", "Black screen"],
        subj_zh=["APP闪退", "软件打不开", "更新后有问题", "白屏"],
        det_en=["I'm on a {dev}.", "Reinstalling didn't help.", "Version 5.{n}.1."],
        det_zh=["手机是{dev}。", "重装了也没用。", "版本5.{n}.1。"],
    ),
    "how_to": dict(
        en=["how do I add a bank card", "how can I set a daily spending limit", "where do I download my statement",
            "is it possible to change the app language", "how do I turn on two-factor authentication",
            "can I split a bill with friends in the app", "how to set up auto top-up", "where can I see my transaction history",
            "how do I change my phone number", "can I have two wallets on one phone", "how do I send a red packet",
            "what's the difference between balance and savings", "how do I protect my account from being hacked?",
            "what should I do if my phone ever gets stolen?", "I got a new phone, how do I log in on it",
            "could somebody help me move the wallet to my new device", "how can I tell if a call from 'support' is real?"],
        zh=["怎么绑定银行卡", "怎么设置每日消费限额", "在哪里下载账单", "能改app的语言吗", "怎么开启双重验证",
            "能在app里AA吗", "怎么设置自动充值", "在哪看交易记录", "怎么换绑手机号", "一个手机能登两个钱包吗",
            "怎么发红包", "余额和理财有什么区别", "怎么防止账号被盗？", "万一手机被偷了，钱包安全吗", "换了新手机，怎么登录钱包", "有人能教我在新设备上登录吗", "怎么识别假冒客服的电话"],
        subj_en=["Question", "How to", "Quick question", "Help with a feature"],
        subj_zh=["咨询", "请问", "如何操作", "功能咨询"],
        det_en=["Thanks in advance.", "I'm new to the app.", "Couldn't find it in the FAQ."],
        det_zh=["先谢谢了。", "刚开始用。", "帮助中心没找到。"],
    ),
    "account_closure": dict(
        en=["I want to close my account", "please delete my account and my data", "how do I cancel my wallet account",
            "I'm moving abroad, want to close the account", "deactivate my account please", "what happens to my balance if I close the account",
            "I no longer need this wallet, close it", "how long do you keep my data after closing", "can't find the delete account option",
            "close my account, I'm done with this app"],
        zh=["我想注销账户", "请删除我的账号和资料", "怎么注销钱包", "要出国了，想销户", "帮我注销账号",
            "注销后余额怎么办", "不用了，帮我关闭账户", "注销后你们保留我的信息多久", "找不到注销入口", "不想用了，注销"],
        subj_en=["Close account", "Delete my account", "Account closure", "Cancel my account"],
        subj_zh=["注销账户", "删除账号", "销户", "账户注销"],
        det_en=["My balance is zero.", "Please confirm by email.", "Delete my ID photos too."],
        det_zh=["余额已经清零。", "请邮件确认。", "身份证照片也删掉。"],
    ),
    "feedback": dict(
        en=["please add a dark mode", "love the new design, great job", "it would be nice to export to Excel",
            "your agent was really helpful today, thanks", "suggestion: show the exchange rate before I confirm",
            "the chat queue is too long, you should hire more people", "the new icons are confusing", "I wish there was a widget",
            "thanks for fixing the bug so quickly", "the app is great but the fonts are too small",
            "an agent helped me when my phone was lost last month, everything is sorted out now, thank you"],
        zh=["建议加个深色模式", "新界面很好看，点赞", "希望能导出Excel", "今天的客服很耐心，谢谢", "建议确认前显示汇率",
            "排队太久了，多招点客服吧", "新图标看不懂", "希望有桌面小组件", "bug修得很快，感谢", "字太小了，希望能调大",
            "上次手机丢了客服帮我处理好了，表扬一下"],
        subj_en=["Suggestion", "Feedback", "Thank you", "Feature request"],
        subj_zh=["建议", "反馈", "表扬", "功能建议"],
        det_en=["Keep it up.", "Just my two cents.", "Otherwise a great app."],
        det_zh=["继续加油。", "一点小建议。", "其他都挺好。"],
    ),
}

GREET_EN = ["Hi,", "Hello,", "Dear support,", "Hi team,", "Good morning,", "To whom it may concern,"]
GREET_ZH = ["您好，", "你好，", "客服你好：", "尊敬的客服：", "在吗？"]
CLOSE_EN = ["Thanks,", "Best regards,", "Cheers,", "Thank you,", "Regards,"]
CLOSE_ZH = ["谢谢！", "麻烦了。", "此致", "谢谢你们。"]
ANGRY_EN = ["This is ridiculous!!!", "Third time I'm writing about this.", "Unacceptable service.", "I'm fed up."]
ANGRY_ZH = ["太差了！！", "第三次联系你们了！", "气死了", "再不处理我就投诉"]
URGENT_EN = ["I need it asap.", "Please, it's urgent.", "I need this for rent."]
URGENT_ZH = ["急用！", "很急，麻烦尽快。", "要交房租了。"]
CALM_EN = ["Not urgent, just wondering.", "No rush.", "When you have time."]
CALM_ZH = ["不急。", "有空回复就行。", "顺便问一下。"]
MONEY = {"payment_failed", "funds_not_received", "refund", "international", "account_locked"}

# Code-switching: English words Chinese speakers type inside Chinese sentences.
SWITCH = [("账户", "account"), ("账号", "account"), ("退款", "refund"), ("转账", "transfer"), ("失败", "failed"),
          ("密码", "password"), ("验证码", "code"), ("提现", "withdraw"), ("闪退", "crash"), ("余额", "balance"),
          ("银行卡", "bank card"), ("订单", "order"), ("汇款", "remittance"), ("注销", "close"), ("建议", "suggest")]

# Simplified -> Traditional for the characters these fragments use.
TRAD = dict(zip(
    "账户号钱转还没码这个们为么时后过现发说请问题办开关闭锁冻结录忘记设备机电话邮银额钟订单货买卖际汇国应闪显软体无网络认证验实诉资删销谢务态满议见馈页点击扫间长币换盗骗诈异让给帮处经进样该边对错误变动级载装头亲财产续费贷车饭药宝乐听声语视频称权绑么陆临虑"
    "气脸张级输凭种减递杂亿补签齐层终阶乱儿马复经线红",
    "帳戶號錢轉還沒碼這個們為麼時後過現發說請問題辦開關閉鎖凍結錄忘記設備機電話郵銀額鐘訂單貨買賣際匯國應閃顯軟體無網絡認證驗實訴資刪銷謝務態滿議見饋頁點擊掃間長幣換盜騙詐異讓給幫處經進樣該邊對錯誤變動級載裝頭親財產續費貸車飯藥寶樂聽聲語視頻稱權綁麼陸臨慮"
    "氣臉張級輸憑種減遞雜億補簽齊層終階亂兒馬復經線紅"))


def traditional(text):
    return "".join(TRAD.get(c, c) for c in text)


def typo(rng, text):
    words = text.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4 and w.isalpha():
        j = rng.randrange(1, len(w) - 1)
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.5 else w[:j] + w[j + 1:]
        words[i] = w
    text = " ".join(words)
    if rng.random() < 0.3:
        text = text.replace("'", "")
    if rng.random() < 0.3:
        text = text.replace("please", "pls").replace(" you ", " u ")
    return text


def fill(rng, text, zh, large):
    """Fills the slots of a fragment; also returns the amount in CNY, 0 when it names none."""
    had_amount = "{amt}" in text
    amt, value = amount(rng, large)
    text = text.replace("{amt}", amt)
    text = text.replace("{m}", rng.choice(MERCHANTS_ZH if zh and rng.random() < 0.7 else MERCHANTS_EN))
    text = text.replace("{bank}", rng.choice(BANKS_ZH if zh else BANKS_EN))
    text = text.replace("{country}", rng.choice(COUNTRIES_ZH if zh else COUNTRIES_EN))
    text = text.replace("{dev}", rng.choice(DEVICES)).replace("{n}", str(rng.randint(2, 9)))
    return text, value if had_amount else 0


def sentence(text, zh, rng):
    """Ends a fragment the way people do: a full stop or comma, or nothing at all in a chat."""
    if text[-1] in "。！？，.!?":
        return text
    return text + (rng.choice("，。") if zh else rng.choice([".", ".", ",", ""]))


def message(rng, category, spec):
    zh = rng.random() < 0.5
    lang = "zh" if zh else "en"
    channel = rng.choices(["chat", "email", "callback"], [0.5, 0.35, 0.15])[0]
    mood = rng.choices(["plain", "angry", "urgent", "calm"], [0.6, 0.15, 0.15, 0.1])[0]
    large = rng.random() < 0.3
    core, value = fill(rng, rng.choice(spec["zh" if zh else "en"]), zh, large)
    detail, _ = fill(rng, rng.choice(spec["det_zh" if zh else "det_en"]), zh, large)
    extra = {"angry": ANGRY_ZH if zh else ANGRY_EN, "urgent": URGENT_ZH if zh else URGENT_EN,
             "calm": CALM_ZH if zh else CALM_EN}.get(mood)
    sep = "" if zh else " "
    subject = None
    if channel == "email":
        greet = rng.choice(GREET_ZH if zh else GREET_EN)
        close = rng.choice(CLOSE_ZH if zh else CLOSE_EN)
        name = rng.choice(NAMES_ZH if zh else NAMES_EN)
        body = sentence(core if zh else core[0].upper() + core[1:], zh, rng)
        parts = [body, detail] + ([rng.choice(extra)] if extra else [])
        text = f"{greet}\n\n" + sep.join(parts) + f"\n\n{close}\n{name}"
        subject = rng.choice(spec["subj_zh" if zh else "subj_en"])
    elif channel == "callback":
        text = core + (("，" if zh else ", ") + rng.choice(extra) if extra else "")
    else:
        with_detail = rng.random() < 0.3
        text = (sentence(core, zh, rng) if with_detail or extra else core) + (sep + detail if with_detail else "")
        text += sep + rng.choice(extra) if extra else ""
    if zh and rng.random() < 0.25:
        for simplified, english in rng.sample(SWITCH, 3):
            if simplified in text:
                text = text.replace(simplified, english, 1)
                lang = "mixed"
                break
    if zh and rng.random() < 0.25:
        text = traditional(text)
        subject = traditional(subject) if subject else None
    if not zh and channel == "chat" and rng.random() < 0.35:
        text = typo(rng, text.lower())
    priority = decide_priority(category, mood, value >= 5000)
    row = {"text": text, "category": category, "channel": channel, "lang": lang, "priority": priority}
    if subject:
        row["subject"] = subject
    return row


def decide_priority(category, mood, large):
    """The priority rules of triage/README.md."""
    if category == "account_compromised":
        return "urgent"
    level = 3 if category == "feedback" else 2  # 1 high, 2 normal, 3 low
    raises = (mood in ("angry", "urgent")) + (large and category in MONEY)
    level = max(1, level - raises)
    if mood == "calm":
        level = min(3, level + 1)
    return {1: "high", 2: "normal", 3: "low"}[level]


def main():
    rng = random.Random(SEED)
    seen = set()
    for category, spec in CATEGORIES.items():
        made = 0
        while made < PER_CATEGORY:
            row = message(rng, category, spec)
            if row["text"] in seen:
                continue
            seen.add(row["text"])
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            made += 1


if __name__ == "__main__":
    main()
