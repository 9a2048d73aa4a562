//! Where the 360° customer view gets its facts beside the platform: CRMs (the Qiyu CRM protocol, and
//! any REST system described by a configuration file, with Shopify and Salesforce presets),
//! logistics carriers (Kuaidi100's real-time query, SF Express's route query) and Jinshuju forms'
//! submissions, each as its own module with typed errors, signatures as their documents specify,
//! and secrets passed in from the keychain. Every source maps into the shapes of `profile`.

pub mod crm;
pub mod fanout;
pub mod forms;
pub mod logistics;
pub mod profile;
pub mod rest;
pub mod source;
