//! devstack's EventBridge: the rules of `template.yaml`, matched with EventBridge
//! pattern semantics by quamina, and every event written to `--events-out`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use quamina::Quamina;
use serde_json::{json, Map, Value};
use serde_yaml_ng::Value as Yaml;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sideline_domain::time::format_time;
use sideline_ports::{Clock, EventSink, PutEntry, SinkError};
use tracing::{info, warn};

/// The template devstack was built with.
pub const TEMPLATE: &str = include_str!("../../../template.yaml");

/// A rule or template that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("template.yaml is not valid YAML")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("rule {rule}: {reason}")]
    Rule { rule: String, reason: String },
}

/// One `AWS::Events::Rule` of the template.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's logical id in the template.
    pub name: String,
    /// The event pattern, as JSON (parameters resolved to their defaults).
    pub pattern: Value,
    /// The logical ids of its targets' resources.
    pub targets: Vec<String>,
}

/// The template's rules, compiled for matching.
pub struct Rules {
    rules: Vec<Rule>,
    matcher: Quamina<String>,
}

/// CloudFormation's YAML into JSON: `!Ref Parameter` becomes the parameter's default,
/// `!GetAtt X.Arn` becomes `X`; other intrinsics are kept as their argument.
fn to_json(value: &Yaml, parameters: &BTreeMap<String, Yaml>) -> Value {
    match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Sequence(items) => {
            Value::Array(items.iter().map(|v| to_json(v, parameters)).collect())
        }
        Yaml::Mapping(map) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), to_json(v, parameters))))
                .collect(),
        ),
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            match (tag, &tagged.value) {
                ("Ref", Yaml::String(name)) => parameters
                    .get(name)
                    .and_then(|p| p.get("Default"))
                    .map(|d| to_json(d, parameters))
                    .unwrap_or_else(|| Value::String(name.clone())),
                ("GetAtt", Yaml::String(path)) => {
                    Value::String(path.split('.').next().unwrap_or_default().to_owned())
                }
                _ => to_json(&tagged.value, parameters),
            }
        }
    }
}

/// Expands `$or` (which quamina does not take) into alternative patterns; a rule
/// matches when any alternative does, as in EventBridge.
fn expand_or(pattern: &Value) -> Vec<Value> {
    let Value::Object(map) = pattern else {
        return vec![pattern.clone()];
    };
    let mut alternatives: Vec<Map<String, Value>> = vec![Map::new()];
    for (key, value) in map {
        if key == "$or" {
            let branches: Vec<Value> = value
                .as_array()
                .map(|a| a.iter().flat_map(expand_or).collect())
                .unwrap_or_default();
            alternatives = alternatives
                .into_iter()
                .flat_map(|base| {
                    branches.iter().map(move |branch| {
                        let mut merged = base.clone();
                        if let Value::Object(b) = branch {
                            merged.extend(b.clone());
                        }
                        merged
                    })
                })
                .collect();
        } else if value.is_object() {
            let inner = expand_or(value);
            alternatives = alternatives
                .into_iter()
                .flat_map(|base| {
                    inner.iter().map(move |v| {
                        let mut merged = base.clone();
                        merged.insert(key.clone(), v.clone());
                        merged
                    })
                })
                .collect();
        } else {
            for alt in &mut alternatives {
                alt.insert(key.clone(), value.clone());
            }
        }
    }
    alternatives.into_iter().map(Value::Object).collect()
}

impl Rules {
    /// The `AWS::Events::Rule` resources of a template.
    pub fn from_template(text: &str) -> Result<Self, RulesError> {
        let doc: Yaml = serde_yaml_ng::from_str(text)?;
        let parameters: BTreeMap<String, Yaml> = doc
            .get("Parameters")
            .and_then(Yaml::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let mut rules = Vec::new();
        if let Some(resources) = doc.get("Resources").and_then(Yaml::as_mapping) {
            for (name, resource) in resources {
                if resource.get("Type").and_then(Yaml::as_str) != Some("AWS::Events::Rule") {
                    continue;
                }
                let name = name.as_str().unwrap_or_default().to_owned();
                let properties = resource.get("Properties");
                let Some(pattern) = properties.and_then(|p| p.get("EventPattern")) else {
                    continue; // scheduled rules have no pattern
                };
                let targets = properties
                    .and_then(|p| p.get("Targets"))
                    .and_then(Yaml::as_sequence)
                    .map(|targets| {
                        targets
                            .iter()
                            .filter_map(|t| {
                                to_json(t.get("Arn")?, &parameters)
                                    .as_str()
                                    .map(str::to_owned)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                rules.push(Rule {
                    name,
                    pattern: to_json(pattern, &parameters),
                    targets,
                });
            }
        }
        Self::new(rules)
    }

    pub fn new(rules: Vec<Rule>) -> Result<Self, RulesError> {
        let mut matcher = Quamina::new();
        for rule in &rules {
            for alternative in expand_or(&rule.pattern) {
                matcher
                    .add_pattern(rule.name.clone(), &alternative.to_string())
                    .map_err(|e| RulesError::Rule {
                        rule: rule.name.clone(),
                        reason: format!("{e:?}"),
                    })?;
            }
        }
        Ok(Self { rules, matcher })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The names of the rules `event` (an EventBridge event, as rules see it) matches.
    pub fn matching(&self, event: &Value) -> Vec<String> {
        let mut names = self
            .matcher
            .matches_for_event(event.to_string().as_bytes())
            .unwrap_or_default();
        names.sort();
        names.dedup();
        names
    }
}

/// An event as EventBridge hands it to rules and targets.
pub fn eventbridge_event(entry: &PutEntry, time_ms: i64) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::now_v7().to_string(),
        "detail-type": entry.detail_type,
        "source": entry.source,
        "account": "000000000000",
        "time": format_time(time_ms - time_ms % 1000),
        "region": "local",
        "resources": [],
        "detail": serde_json::from_str::<Value>(&entry.detail).unwrap_or(Value::Null),
    })
}

/// One rule match: what a target would have received.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub rule: String,
    pub targets: Vec<String>,
    pub event: Value,
}

/// devstack's bus: writes every entry to `--events-out` and records rule matches.
pub struct LocalBus {
    rules: Rules,
    out: Option<Mutex<std::fs::File>>,
    published: Mutex<Vec<PutEntry>>,
    deliveries: Mutex<Vec<Delivery>>,
    /// Targets that run in this process (the moderation queue's function), each
    /// with its count of events handed over and not yet handled.
    targets: Mutex<Vec<Target>>,
    clock: Arc<dyn Clock>,
}

/// A target in this process.
struct Target {
    name: String,
    sender: tokio::sync::mpsc::UnboundedSender<Value>,
    pending: Arc<AtomicUsize>,
}

impl LocalBus {
    pub fn new(
        rules: Rules,
        events_out: Option<&Path>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let out = match events_out {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )),
            None => None,
        };
        Ok(Self {
            rules,
            out,
            published: Mutex::new(Vec::new()),
            deliveries: Mutex::new(Vec::new()),
            targets: Mutex::new(Vec::new()),
            clock,
        })
    }

    /// Hands events matched by a rule targeting `target` to `sender`, counting each
    /// in `pending` (the receiver counts it down when it has handled it).
    pub fn attach(
        &self,
        target: &str,
        sender: tokio::sync::mpsc::UnboundedSender<Value>,
        pending: Arc<AtomicUsize>,
    ) {
        self.targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Target {
                name: target.to_owned(),
                sender,
                pending,
            });
    }

    /// Hands a delivery to its in-process targets again, as a queue that delivers
    /// at least once may (for tests of idempotence); false if no target took it.
    pub fn redeliver(&self, delivery: &Delivery) -> bool {
        let mut taken = false;
        for target in self
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|t| delivery.targets.contains(&t.name))
        {
            target.pending.fetch_add(1, Ordering::SeqCst);
            if target.sender.send(delivery.event.clone()).is_ok() {
                taken = true;
            } else {
                target.pending.fetch_sub(1, Ordering::SeqCst);
            }
        }
        taken
    }

    pub fn published(&self) -> Vec<PutEntry> {
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl EventSink for LocalBus {
    async fn put_events(&self, entries: &[PutEntry]) -> Result<Vec<Option<String>>, SinkError> {
        let now = self.clock.now_ms();
        for entry in entries {
            if let Some(out) = &self.out {
                let mut file = out.lock().unwrap_or_else(|e| e.into_inner());
                let line = serde_json::to_string(entry).unwrap_or_default();
                if let Err(err) = writeln!(file, "{line}").and_then(|()| file.flush()) {
                    warn!(error = %err, "could not write --events-out");
                }
            }
            let event = eventbridge_event(entry, now);
            for name in self.rules.matching(&event) {
                let targets = self
                    .rules
                    .rules()
                    .iter()
                    .find(|r| r.name == name)
                    .map(|r| r.targets.clone())
                    .unwrap_or_default();
                info!(rule = %name, targets = ?targets, detail_type = %entry.detail_type, "rule matched");
                for target in self
                    .targets
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                {
                    if targets.contains(&target.name) {
                        target.pending.fetch_add(1, Ordering::SeqCst);
                        if target.sender.send(event.clone()).is_err() {
                            target.pending.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                }
                self.deliveries
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Delivery {
                        rule: name,
                        targets,
                        event: event.clone(),
                    });
            }
        }
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(entries);
        Ok(vec![None; entries.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_rules_load() {
        let rules = Rules::from_template(TEMPLATE).expect("rules");
        let moderation = rules
            .rules()
            .iter()
            .find(|r| r.name == "ModerationRule")
            .expect("moderation rule");
        assert_eq!(
            moderation.pattern["source"],
            json!(["sideline"]),
            "!Ref resolved to the default"
        );
        assert_eq!(moderation.targets, ["ModerationQueue"]);
    }

    #[test]
    fn or_patterns_are_alternatives() {
        let rules = Rules::new(vec![Rule {
            name: "either".into(),
            pattern: json!({"source": ["s"], "$or": [{"detail-type": ["a"]}, {"detail": {"n": [{"numeric": [">", 5]}]}}]}),
            targets: vec![],
        }])
        .expect("rules");
        let event =
            |dt: &str, n: i64| json!({"source": "s", "detail-type": dt, "detail": {"n": n}});
        assert_eq!(rules.matching(&event("a", 1)), ["either"]);
        assert_eq!(rules.matching(&event("b", 9)), ["either"]);
        assert!(rules.matching(&event("b", 1)).is_empty());
    }
}
