//! The compromise detector through the public API, one test per kind of wording that must
//! reach the security queue however it is put, in English, Chinese (both scripts) and mixed,
//! and the look-alikes that must not.

use switchboard_triage::{Channel, Input, Priority, Triage, TriageConfig};

fn triage() -> Triage {
    Triage::new(&TriageConfig::default()).expect("the default configuration is valid")
}

/// Each text must be filed `account_compromised`, urgent, by the detector, with a signal.
fn assert_caught(texts: &[&str]) {
    let triage = triage();
    for text in texts {
        let d = triage.classify(&Input { channel: Some(Channel::Chat), ..Input::new(text) });
        assert_eq!(d.category, "account_compromised", "{text}");
        assert_eq!(d.priority, Priority::Urgent, "{text}");
        assert!(d.by_rule, "{text}");
        assert!(d.signal.is_some(), "{text}");
    }
}

fn assert_not_caught(texts: &[&str]) {
    let triage = triage();
    for text in texts {
        let d = triage.classify(&Input { channel: Some(Channel::Chat), ..Input::new(text) });
        assert_eq!(d.signal, None, "{text}");
        assert_ne!(d.category, "account_compromised", "{text}");
    }
}

#[test]
fn a_login_on_a_device_the_customer_does_not_have() {
    assert_caught(&[
        "The app shows my account logged in on a Samsung tablet. I don't own any Samsung stuff",
        "got a notification of a sign-in from an iPhone 15, I use android and never had an iphone",
        "登录记录里有一台华为手机，我根本没有这台手机",
        "帳號登入紀錄有一台不認識的電腦",
        "我的账号在一个我没见过的device上login了",
    ]);
}

#[test]
fn a_login_from_somewhere_far_away() {
    assert_caught(&[
        "Just received a login alert from Moscow. I live in Hangzhou and have never left China",
        "there was a sign-in from another country at 4am while I was asleep",
        "收到提醒说我的账号在乌鲁木齐登录，我人在广州",
        "昨晚三點收到登入通知，地點在曼谷，我根本沒出過國",
        "账户显示在另一个城市login，我一直在上海",
    ]);
}

#[test]
fn someone_else_acting_on_the_account() {
    assert_caught(&[
        "somebody has been buying game credits with my account all morning",
        "A stranger is using my wallet to pay for things, please do something",
        "有人用我的账号在网上买东西",
        "別人用了我的錢包付款，我完全不知道",
        "有人拿我的account转了两千块出去",
    ]);
}

#[test]
fn a_plea_to_freeze_while_money_leaves() {
    assert_caught(&[
        "FREEZE MY ACCOUNT NOW. My balance keeps dropping every few minutes",
        "please lock my account immediately, money is leaving as we speak",
        "快帮我冻结账户！余额一直在减少",
        "請立刻凍結我的帳戶，錢一直在被轉走",
        "求你们马上freeze我的账户，钱在一笔一笔地少",
    ]);
}

#[test]
fn transactions_the_customer_denies() {
    assert_caught(&[
        "Five charges from the same online shop yesterday, none of them are mine",
        "I see three payments to GameStar in my history. I never bought anything there",
        "账单里有四笔美团的扣款，都不是我买的",
        "今天被扣了三筆款，商家我完全不認識，我沒消費過",
        "statement上有两笔Apple的charge，我没买过",
    ]);
}

#[test]
fn a_security_change_the_customer_did_not_make() {
    assert_caught(&[
        "I got an email saying my password was changed. I did not change it",
        "Text message: your phone number has been updated. That was not me!",
        "收到短信说登录密码已修改，可是我没改过密码",
        "剛收到通知說綁定手機號已被更改，我什麼都沒做",
        "收到邮件说email address was changed，但我没动过设置",
        "登录邮箱被改成了别人的，我自己从没改过",
    ]);
}

#[test]
fn social_engineering_already_done() {
    assert_caught(&[
        "A man called saying he was from your support team and asked me to share my screen. Now my balance is empty",
        "they told me to move my money to a safe account to protect it, I did, and it is gone",
        "一个陌生人打电话让我开屏幕共享，然后我的钱就没了",
        "對方自稱是客服，叫我下載遠程控制的軟件，現在餘額都沒了",
        "一个自称bank staff的人让我share screen，结果钱全没了",
    ]);
}

#[test]
fn plain_theft_and_lost_phones_still_count() {
    assert_caught(&[
        "my account was hacked",
        "我的手机丢了，上面的钱包还登录着",
        "I gave the caller the verification code and then money was transferred out",
        "it wasn't me who made that transfer",
    ]);
}

#[test]
fn negations_and_everyday_problems_are_not_emergencies() {
    assert_not_caught(&[
        "I don't think I've been hacked, my card just gets declined at checkout",
        "nothing suspicious on my account, I only forgot my password",
        "我的账户没有被盗，只是登录不上",
        "我應該沒被盜號，就是APP一直閃退",
        "How can I protect my account from being hacked?",
        "I changed my password yesterday and got an email confirming the password was changed",
        "我刚改了密码，收到了密码已修改的短信，正常吗",
        "Can someone help me log in on my new phone?",
        "我想给别人转账，怎么操作",
        "my payment to the electricity company failed twice",
        "退款什么时候到账？",
        "The verification code never arrives, can you send it again?",
        "Why is my account frozen? I did nothing wrong",
    ]);
}
