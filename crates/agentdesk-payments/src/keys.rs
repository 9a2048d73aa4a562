//! The RSA keys of a payment system: the merchant's private key that signs requests (SHA256withRSA,
//! PKCS#1 v1.5, what both Alipay's RSA2 and WeChat Pay's `WECHATPAY2-SHA256-RSA2048` are), and the
//! provider's public key or certificate that verifies its answers. Keys come as the vendors' tools
//! give them: PEM (`PRIVATE KEY`, `RSA PRIVATE KEY`, `PUBLIC KEY`, `CERTIFICATE`), or Alipay's key
//! tool's bare base64 (PKCS#8 for the private key, SubjectPublicKeyInfo for the public one).
//!
//! The DER reading here is only what these four shapes need; anything else is refused in words.

use base64::Engine as _;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

fn bad(what: &str) -> KeyError {
    KeyError(what.to_string())
}

/// One PEM block's label and its DER bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Every PEM block in `text`, in order. Text with no PEM header at all is read as one bare base64
/// block with an empty label (Alipay's key tool writes keys that way).
pub fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, KeyError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after
            .find("-----")
            .ok_or_else(|| bad("a PEM header is not closed"))?;
        let label = after[..label_end].to_string();
        let body_and_rest = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_and_rest
            .find(&end_marker)
            .ok_or_else(|| KeyError(format!("the PEM block {label} has no end line")))?;
        blocks.push(PemBlock {
            der: decode_base64(&body_and_rest[..end])
                .map_err(|e| KeyError(format!("the PEM block {label} is not base64: {e}")))?,
            label,
        });
        rest = &body_and_rest[end + end_marker.len()..];
    }
    if blocks.is_empty() {
        let bare = text.trim();
        if bare.is_empty() {
            return Err(bad("no key was given"));
        }
        blocks.push(PemBlock {
            label: String::new(),
            der: decode_base64(bare).map_err(|_| {
                bad("this is neither a PEM key (-----BEGIN …-----) nor a bare base64 key")
            })?,
        });
    }
    Ok(blocks)
}

fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(compact)
}

/// The merchant's private key: signs requests. Cloned, it is the same key (shared, never copied).
#[derive(Clone)]
pub struct MerchantKey {
    pair: std::sync::Arc<RsaKeyPair>,
}

impl std::fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MerchantKey(…)")
    }
}

impl MerchantKey {
    /// From the first private key in `text` (PKCS#8 or PKCS#1, PEM or bare base64).
    pub fn from_text(text: &str) -> Result<MerchantKey, KeyError> {
        let blocks = pem_blocks(text)?;
        let block = blocks
            .iter()
            .find(|b| b.label.is_empty() || b.label.ends_with("PRIVATE KEY"))
            .ok_or_else(|| bad("no private key was given (-----BEGIN PRIVATE KEY-----)"))?;
        let pair = if block.label == "RSA PRIVATE KEY" {
            RsaKeyPair::from_der(&block.der)
        } else {
            RsaKeyPair::from_pkcs8(&block.der).or_else(|_| RsaKeyPair::from_der(&block.der))
        }
        .map_err(|e| {
            KeyError(format!(
                "the private key is not an RSA key AgentDesk can sign with ({e}); the payment systems need RSA 2048 (PKCS#8 or PKCS#1)"
            ))
        })?;
        Ok(MerchantKey {
            pair: std::sync::Arc::new(pair),
        })
    }

    /// base64(SHA256withRSA(message)), PKCS#1 v1.5: deterministic, so a published example's
    /// signature is reproduced exactly.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("an RSA key pair that loaded signs");
        base64::engine::general_purpose::STANDARD.encode(signature)
    }

    /// The public half (PKCS#1 RSAPublicKey DER), for a sandbox that checks this key's signatures.
    pub fn public_key(&self) -> ProviderKey {
        ProviderKey {
            rsa_public_key: self.pair.public().as_ref().to_vec(),
        }
    }
}

/// A public key that verifies signatures (the provider's answers, or a merchant's requests in the
/// sandbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderKey {
    rsa_public_key: Vec<u8>,
}

impl ProviderKey {
    /// From the first public key or certificate in `text` (SubjectPublicKeyInfo PEM or bare base64,
    /// PKCS#1 `RSA PUBLIC KEY`, or an X.509 certificate).
    pub fn from_text(text: &str) -> Result<ProviderKey, KeyError> {
        let blocks = pem_blocks(text)?;
        let block = blocks
            .iter()
            .find(|b| {
                b.label.is_empty() || b.label.ends_with("PUBLIC KEY") || b.label == "CERTIFICATE"
            })
            .ok_or_else(|| bad("no public key or certificate was given"))?;
        match block.label.as_str() {
            "RSA PUBLIC KEY" => Ok(ProviderKey {
                rsa_public_key: block.der.clone(),
            }),
            "CERTIFICATE" => Ok(Certificate::from_der(&block.der)?.key),
            _ => ProviderKey::from_spki(&block.der),
        }
    }

    fn from_spki(der: &[u8]) -> Result<ProviderKey, KeyError> {
        let not_rsa = || bad("the public key is not an RSA public key (SubjectPublicKeyInfo)");
        let mut outer = Der::new(der);
        let mut spki = Der::new(outer.expect(0x30).map_err(|_| not_rsa())?);
        let algorithm = spki.expect(0x30).map_err(|_| not_rsa())?;
        const RSA_ENCRYPTION: &[u8] = &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        ];
        if !algorithm.starts_with(RSA_ENCRYPTION) {
            return Err(not_rsa());
        }
        let bits = spki.expect(0x03).map_err(|_| not_rsa())?;
        match bits.split_first() {
            Some((0, key)) => Ok(ProviderKey {
                rsa_public_key: key.to_vec(),
            }),
            _ => Err(not_rsa()),
        }
    }

    /// Whether `signature_base64` is this key's SHA256withRSA signature of `message`.
    pub fn verifies(&self, message: &[u8], signature_base64: &str) -> bool {
        let Ok(signature) = decode_base64(signature_base64) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.rsa_public_key)
            .verify(message, &signature)
            .is_ok()
    }
}

/// An X.509 certificate's serial number (upper-case hex, as WeChat Pay names its certificates and
/// a merchant's) and its public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub serial: String,
    pub key: ProviderKey,
}

impl Certificate {
    pub fn from_text(text: &str) -> Result<Certificate, KeyError> {
        let blocks = pem_blocks(text)?;
        let block = blocks
            .iter()
            .find(|b| b.label == "CERTIFICATE")
            .ok_or_else(|| bad("no certificate was given (-----BEGIN CERTIFICATE-----)"))?;
        Certificate::from_der(&block.der)
    }

    fn from_der(der: &[u8]) -> Result<Certificate, KeyError> {
        let broken = || bad("the certificate is not an X.509 certificate AgentDesk can read");
        let mut outer = Der::new(der);
        let mut certificate = Der::new(outer.expect(0x30).map_err(|_| broken())?);
        let mut tbs = Der::new(certificate.expect(0x30).map_err(|_| broken())?);
        if tbs.peek() == Some(0xa0) {
            tbs.next().map_err(|_| broken())?;
        }
        let serial = tbs.expect(0x02).map_err(|_| broken())?;
        let serial = serial
            .iter()
            .skip_while(|b| **b == 0)
            .map(|b| format!("{b:02X}"))
            .collect::<String>();
        for _ in 0..4 {
            // signature algorithm, issuer, validity, subject
            tbs.expect(0x30).map_err(|_| broken())?;
        }
        let spki = tbs.whole(0x30).map_err(|_| broken())?;
        Ok(Certificate {
            serial,
            key: ProviderKey::from_spki(spki)?,
        })
    }
}

/// Reads DER one element at a time.
struct Der<'a> {
    data: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(data: &'a [u8]) -> Der<'a> {
        Der { data }
    }

    fn peek(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// The next element: its tag, its contents, and the whole element.
    fn next(&mut self) -> Result<(u8, &'a [u8], &'a [u8]), ()> {
        let (&tag, rest) = self.data.split_first().ok_or(())?;
        let (&first, rest) = rest.split_first().ok_or(())?;
        let (length, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let count = (first & 0x7f) as usize;
            if count == 0 || count > 4 || rest.len() < count {
                return Err(());
            }
            let length = rest[..count]
                .iter()
                .fold(0usize, |n, b| (n << 8) | *b as usize);
            (length, &rest[count..])
        };
        if rest.len() < length {
            return Err(());
        }
        let header = self.data.len() - rest.len();
        let whole = &self.data[..header + length];
        let contents = &rest[..length];
        self.data = &rest[length..];
        Ok((tag, contents, whole))
    }

    fn expect(&mut self, tag: u8) -> Result<&'a [u8], ()> {
        match self.next()? {
            (found, contents, _) if found == tag => Ok(contents),
            _ => Err(()),
        }
    }

    fn whole(&mut self, tag: u8) -> Result<&'a [u8], ()> {
        match self.next()? {
            (found, _, whole) if found == tag => Ok(whole),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wechatpay-go's own test key pair and the signature its signer test expects for "source"
    /// (`core/auth/signers/sha256withrsa_signer_test.go`, `core/auth/verifiers/
    /// sha256withrsa_pubkey_verifier_test.go` @ 6dbd7ce): a signature the official SDK makes.
    pub(crate) const WECHATPAY_GO_TEST_KEY: &str =
        include_str!("../tests/vectors/wechatpay-go-test.key.pem");
    pub(crate) const WECHATPAY_GO_TEST_PUBLIC_KEY: &str =
        include_str!("../tests/vectors/wechatpay-go-test.pub.pem");
    pub(crate) const WECHATPAY_GO_SIGNATURE_OF_SOURCE: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

    #[test]
    fn signs_exactly_as_the_official_sdk_and_verifies_its_signature() {
        let key = MerchantKey::from_text(WECHATPAY_GO_TEST_KEY).unwrap();
        assert_eq!(key.sign_base64(b"source"), WECHATPAY_GO_SIGNATURE_OF_SOURCE);
        let public = ProviderKey::from_text(WECHATPAY_GO_TEST_PUBLIC_KEY).unwrap();
        assert!(public.verifies(b"source", WECHATPAY_GO_SIGNATURE_OF_SOURCE));
        assert!(!public.verifies(b"wrong source", WECHATPAY_GO_SIGNATURE_OF_SOURCE));
        assert!(!public.verifies(b"source", "not base64 at all"));
        assert_eq!(key.public_key(), public);
    }

    #[test]
    fn bare_base64_keys_from_alipay_s_tool_are_read() {
        let bare: String = WECHATPAY_GO_TEST_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let key = MerchantKey::from_text(&bare).unwrap();
        assert_eq!(key.sign_base64(b"source"), WECHATPAY_GO_SIGNATURE_OF_SOURCE);
        let bare_public: String = WECHATPAY_GO_TEST_PUBLIC_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(ProviderKey::from_text(&bare_public)
            .unwrap()
            .verifies(b"source", WECHATPAY_GO_SIGNATURE_OF_SOURCE));
    }

    #[test]
    fn a_certificate_gives_its_serial_and_key() {
        let certificate = Certificate::from_text(include_str!(
            "../../agentdesk-sandbox/keys/wechatpay-platform.crt.pem"
        ))
        .unwrap();
        assert_eq!(
            certificate.serial,
            "5157F09EFDC096DE15EBE81A47057A7232FE1BEF"
        );
        let public = ProviderKey::from_text(include_str!(
            "../../agentdesk-sandbox/keys/wechatpay-platform.pub.pem"
        ))
        .unwrap();
        assert_eq!(certificate.key, public);
    }

    #[test]
    fn what_is_not_a_key_is_said() {
        for text in ["", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n"] {
            assert!(MerchantKey::from_text(text).is_err(), "{text:?}");
        }
        let public_only = MerchantKey::from_text(WECHATPAY_GO_TEST_PUBLIC_KEY).unwrap_err();
        assert!(public_only.0.contains("no private key"), "{public_only}");
        assert!(ProviderKey::from_text(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
        )
        .is_err());
    }
}
