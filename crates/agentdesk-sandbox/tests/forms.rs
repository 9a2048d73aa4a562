//! The Jinshuju client against the sandbox's face: the form link tagged with the session, the
//! customer's submissions read back with the form's labels (by the tag, else by phone, newest
//! first, across pages), and a wrong key and a deleted form said in words.

use std::time::Duration;

use agentdesk_connectors::forms::{FormError, Jinshuju, JinshujuSettings};
use agentdesk_domain::Secret;
use agentdesk_sandbox::FormsLogin;
use agentdesk_testkit::Controls;
use serde_json::json;

fn jinshuju(login: &FormsLogin, secret: &str) -> Jinshuju {
    Jinshuju::new(
        agentdesk_testkit::http(Duration::from_secs(10)),
        JinshujuSettings {
            base_url: login.base_url.clone(),
            api_key: login.api_key.clone(),
            api_secret: Secret::new(secret),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn submissions_come_back_by_the_session_s_tag_else_by_phone_with_labels() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let login = sandbox.info().forms.clone();
    let controls = Controls::new(sandbox.base_url());
    let forms = jinshuju(&login, &login.api_secret);
    let link = forms.tagged_link(&login.form_token, "cid 42/x").unwrap();
    assert!(
        link.ends_with(&format!("/f/{}?x_field_1=cid+42%2Fx", login.form_token)),
        "{link}"
    );
    let path = format!("/forms/{}/entries", login.form_token);
    // Other customers' submissions, enough to need three pages.
    for n in 0..105 {
        controls
            .post(
                &path,
                json!({"field_1": "换货", "field_2": format!("1390000{n:04}")}),
            )
            .await;
    }
    controls
        .post(&path, json!({"x_field_1": "c-1", "field_1": "退货", "field_2": "13812345678",
                            "field_3": "耳机左耳没有声音",
                            "field_4": {"province": "广东省", "city": "深圳市", "district": "南山区", "street": "科技园"}}))
        .await;
    controls
        .post(
            &path,
            json!({"x_field_1": "c-1", "field_1": "维修", "field_2": "13812345678"}),
        )
        .await;
    controls
        .post(
            &path,
            json!({"field_1": "维修", "field_2": "+86 137 0000 1111"}),
        )
        .await;

    let tagged = forms
        .submissions(&login.form_token, "c-1", Some("13812345678"))
        .await
        .unwrap();
    assert_eq!(tagged.len(), 2, "{tagged:?}");
    assert!(
        tagged[0].serial_number > tagged[1].serial_number,
        "newest first"
    );
    assert!(tagged.iter().all(|s| s.tagged));
    let first = &tagged[1];
    assert!(
        first
            .fields
            .contains(&("问题类型".to_string(), "退货".to_string())),
        "{first:?}"
    );
    assert!(first.fields.contains(&(
        "收货地址".to_string(),
        "广东省 深圳市 南山区 科技园".to_string()
    )));

    // Another session of a customer who filled the form untagged: found by the phone field.
    let by_phone = forms
        .submissions(&login.form_token, "c-2", Some("13700001111"))
        .await
        .unwrap();
    assert_eq!(by_phone.len(), 1, "{by_phone:?}");
    assert!(!by_phone[0].tagged);
    assert!(forms
        .submissions(&login.form_token, "c-3", None)
        .await
        .unwrap()
        .is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_and_a_deleted_form_are_said() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let login = sandbox.info().forms.clone();
    let error = jinshuju(&login, "wrong")
        .submissions(&login.form_token, "c-1", None)
        .await
        .unwrap_err();
    assert_eq!(error, FormError::BadKey);
    assert!(error.to_string().contains("API key"), "{error}");

    let forms = jinshuju(&login, &login.api_secret);
    reqwest::Client::new()
        .delete(format!(
            "{}/__sandbox/forms/{}",
            sandbox.base_url(),
            login.form_token
        ))
        .send()
        .await
        .unwrap();
    let error = forms
        .submissions(&login.form_token, "c-1", None)
        .await
        .unwrap_err();
    assert!(matches!(error, FormError::FormGone(_)), "{error}");
    assert!(error.to_string().contains("no longer exists"), "{error}");
    assert!(matches!(
        forms.tagged_link("../x", "c"),
        Err(FormError::Invalid(_))
    ));
    sandbox.shutdown().await;
}
