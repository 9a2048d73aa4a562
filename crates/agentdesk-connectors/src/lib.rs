//! Where the 360° customer view gets its facts beside the platform: logistics carriers first
//! (Kuaidi100's real-time query, SF Express's route query), each as its own module with typed
//! errors, signatures as their documents specify, and secrets passed in from the keychain.

pub mod logistics;
