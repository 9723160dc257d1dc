//! The classifier the daemon holds: rules, model, language and priority behind one call.

use std::path::Path;

use crate::compromise::{Assessment, Detector};
use crate::config::TriageConfig;
use crate::defaults;
use crate::error::{ConfigError, TriageError};
use crate::format;
use crate::guard::{GuardRefusal, outbound_guard};
use crate::input::{Input, classification_text};
use crate::language::{Language, detect_language};
use crate::model::Model;
use crate::priority::{Priority, PriorityRules};
use crate::rules::Rules;
use crate::text::normalize;

/// The model built into the binary: trained on the whole bilingual wallet-support set
/// (`shared/data/wallet-intents/public.jsonl`); see the crate README for the command.
const DEFAULT_MODEL: &[u8] = include_bytes!("../model/default.model");

/// What triage decided about one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The category: a rule's, or the model's best guess.
    pub category: String,
    /// How sure the decision is, 0 to 1 (1 for a rule match).
    pub confidence: f32,
    /// How soon an agent must look at it.
    pub priority: Priority,
    /// The priority were the customer a repeated contact (`triage.priority.repeat_contacts`
    /// earlier conversations within `repeat_window_h`), which only the store can count.
    pub priority_if_repeated: Priority,
    /// The language the customer wrote in.
    pub language: Language,
    /// The confidence is below `triage.low_confidence`: route to the general queue rather than
    /// trusting `category`.
    pub low_confidence: bool,
    /// The compromise detector or a configured rule decided the category, not the model.
    pub by_rule: bool,
    /// When the compromise detector filed the message under `account_compromised`: what it
    /// found, in English, for the agent ("a login from a device the customer does not have").
    /// `None` for every other decision.
    pub signal: Option<String>,
}

/// A ready classifier. Cheap to share between threads (`&Triage` is all `classify` needs).
#[derive(Debug, Clone)]
pub struct Triage {
    model: Model,
    /// `None` when `triage.builtin_rules` is off.
    detector: Option<Detector>,
    rules: Rules,
    priority: PriorityRules,
    low_confidence: f32,
    outbound_guard: bool,
}

impl Triage {
    /// Validates `config` and loads the model it names (or the built-in one). Errors name the
    /// offending key.
    pub fn new(config: &TriageConfig) -> Result<Self, TriageError> {
        config.validate()?;
        let model = match &config.model {
            Some(path) => load_model(path)?,
            None => format::from_bytes(DEFAULT_MODEL)?,
        };
        Self::with_model(model, config)
    }

    /// Builds a classifier around an already loaded model.
    pub(crate) fn with_model(model: Model, config: &TriageConfig) -> Result<Self, TriageError> {
        config.validate()?;
        if let Some(missing) = model.categories.iter().find(|c| !config.categories.contains(c)) {
            return Err(ConfigError::new(
                "triage.categories",
                format!("the model's category `{missing}` is not listed; list every category the model knows"),
            )
            .into());
        }
        Ok(Self {
            detector: config.builtin_rules.then(Detector::new),
            rules: Rules::new(config)?,
            priority: PriorityRules::new(&config.priority)?,
            low_confidence: config.low_confidence,
            outbound_guard: config.outbound_guard,
            model,
        })
    }

    /// Classifies one message: category (the compromise detector first, then configured
    /// rules, then the model), confidence, priority and language. Quoted email history is
    /// ignored (see `strip_quoted_history`).
    pub fn classify(&self, input: &Input<'_>) -> Decision {
        let text = classification_text(input.subject, input.body, input.channel);
        let normalized = normalize(&text);
        let assessment = self.detector.as_ref().map_or(Assessment::Nothing, |d| d.assess(&normalized));
        let signal = match assessment {
            Assessment::Signal(says) => Some(says),
            Assessment::Denied | Assessment::Nothing => None,
        };
        let (category, confidence, by_rule) = match signal {
            Some(_) => (defaults::COMPROMISED.to_owned(), 1.0, true),
            None => match self.rules.first_match(&normalized) {
                Some(category) => (category.to_owned(), 1.0, true),
                None => {
                    // "I don't think I've been hacked": the word must not file it as a theft.
                    let excluded = (assessment == Assessment::Denied)
                        .then(|| self.model.categories.iter().position(|c| c == defaults::COMPROMISED))
                        .flatten();
                    let prediction = self.model.predict(&normalized, excluded);
                    (self.model.categories[prediction.category].clone(), prediction.confidence, false)
                }
            },
        };
        let (priority, priority_if_repeated) = self.priority.assess(&category, &normalized, input.prior_contacts);
        Decision {
            signal: signal.map(str::to_owned),
            priority,
            priority_if_repeated,
            language: detect_language(&text),
            low_confidence: confidence < self.low_confidence,
            category,
            confidence,
            by_rule,
        }
    }

    /// The categories the model can produce.
    pub fn model_categories(&self) -> &[String] {
        &self.model.categories
    }

    /// The outbound guard as configured: with `triage.outbound_guard = false` every reply
    /// passes.
    pub fn check_reply(&self, text: &str) -> Result<(), GuardRefusal> {
        if self.outbound_guard { outbound_guard(text) } else { Ok(()) }
    }
}

/// Reads a model file.
pub(crate) fn load_model(path: &Path) -> Result<Model, TriageError> {
    let bytes = std::fs::read(path).map_err(|source| TriageError::Io { path: path.to_owned(), source })?;
    format::from_bytes(&bytes).map_err(|e| match e {
        TriageError::Model(message) => TriageError::Model(format!("{}: {message}", path.display())),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Channel;

    fn triage() -> Triage {
        Triage::new(&TriageConfig::default()).unwrap()
    }

    #[test]
    fn default_model_knows_the_wallet_taxonomy() {
        let triage = triage();
        let defaults = TriageConfig::default().categories;
        assert!(triage.model_categories().iter().all(|c| defaults.contains(c)));
        assert_eq!(triage.model_categories().len(), 11);
    }

    #[test]
    fn rules_make_theft_urgent_with_full_confidence() {
        let d = triage().classify(&Input::new("我的账号被盗了，快帮我冻结"));
        assert_eq!(d.category, "account_compromised");
        assert_eq!(d.priority, Priority::Urgent);
        assert_eq!(d.language, Language::Zh);
        assert!(d.by_rule && !d.low_confidence);
        assert_eq!(d.confidence, 1.0);
        assert!(d.signal.as_deref().is_some_and(|s| s.contains("stolen")), "{:?}", d.signal);
    }

    #[test]
    fn the_detector_comes_before_configured_rules() {
        let config = TriageConfig {
            rules: vec![crate::config::RuleConfig {
                category: "refund".into(), patterns: vec!["退款|refund".into()]
            }],
            ..TriageConfig::default()
        };
        let triage = Triage::new(&config).unwrap();
        let refund = triage.classify(&Input::new("refund please"));
        assert_eq!((refund.category.as_str(), refund.by_rule, refund.signal), ("refund", true, None));
        let stolen = triage.classify(&Input::new("stolen card, refund please"));
        assert_eq!(stolen.category, "account_compromised");
        assert!(stolen.signal.is_some());
    }

    #[test]
    fn the_model_classifies_ordinary_messages() {
        let triage = triage();
        let d = triage.classify(&Input { subject: Some("Refund"), body: "Where is my refund?", ..Input::default() });
        assert_eq!(d.category, "refund");
        assert!(!d.by_rule);
        assert!(d.confidence > 0.0 && d.confidence <= 1.0);
        assert_eq!(triage.classify(&Input::new("APP一打开就闪退")).category, "app_technical");
    }

    #[test]
    fn quoted_history_does_not_count() {
        let body = "Thanks, all good now!\n\n> Dear customer, your account was stolen? Please confirm.";
        let d = triage().classify(&Input { body, channel: Some(Channel::Email), ..Input::default() });
        assert_ne!(d.category, "account_compromised");
    }

    #[test]
    fn repeated_contacts_raise_priority() {
        let triage = triage();
        let first = triage.classify(&Input::new("my refund has not arrived"));
        let again = triage.classify(&Input { prior_contacts: 3, ..Input::new("my refund has not arrived") });
        assert!(again.priority < first.priority, "{:?} then {:?}", first.priority, again.priority);
    }

    #[test]
    fn unknown_model_categories_are_a_config_error() {
        let config = TriageConfig {
            categories: vec!["account_compromised".into(), "x".into()],
            priority: crate::config::PriorityConfig {
                low_categories: vec![],
                money_categories: vec![],
                ..Default::default()
            },
            ..TriageConfig::default()
        };
        let err = Triage::new(&config).unwrap_err();
        assert!(err.to_string().starts_with("triage.categories:"), "{err}");
    }

    #[test]
    fn missing_model_file_names_the_path() {
        let config = TriageConfig { model: Some("/nonexistent/m.model".into()), ..TriageConfig::default() };
        assert!(Triage::new(&config).unwrap_err().to_string().contains("/nonexistent/m.model"));
    }

    #[test]
    fn guard_can_be_switched_off() {
        let reply = "please send me your password";
        assert!(triage().check_reply(reply).is_err());
        let off = Triage::new(&TriageConfig { outbound_guard: false, ..TriageConfig::default() }).unwrap();
        assert!(off.check_reply(reply).is_ok());
    }
}
