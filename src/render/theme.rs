//! Themes: the default theme compiled into the binary, with any file of the
//! site's `themes/<name>/` replacing the built-in file of the same name.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, State, Value};

use super::splice::Marks;
use crate::error::Diagnostic;
use crate::load::ThemeFiles;

macro_rules! default_templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/templates/", $name)))),*]
    };
}

/// The built-in templates, from `themes/default/templates/`.
const DEFAULT_TEMPLATES: &[(&str, &str)] = default_templates![
    "base.html",
    "macros.html",
    "landing.html",
    "archive.html",
    "week.html",
    "program.html",
    "partials/deck.html",
    "partials/chart.html",
    "partials/table.html",
    "partials/scripts.html",
    "partials/exceptions.html",
    "partials/restatements.html",
    "print.html",
];

/// The built-in static files, from `themes/default/static/`.
const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "sitrep.css",
        include_bytes!("../../themes/default/static/sitrep.css"),
    ),
    (
        "sitrep.js",
        include_bytes!("../../themes/default/static/sitrep.js"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
];

/// The Apache ECharts runtime, copied from the `charming` package by the
/// build script (never committed to this repository).
const ECHARTS_RUNTIME: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/echarts.min.js"));

const ECHARTS_NOTICE: &str = "\
echarts.min.js is Apache ECharts 5.5.1 (https://echarts.apache.org/),
Copyright 2017-2024 The Apache Software Foundation.

Licensed under the Apache License, Version 2.0 (the \"License\"); you may not
use this file except in compliance with the License. You may obtain a copy of
the License at http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an \"AS IS\" BASIS, WITHOUT
WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
License for the specific language governing permissions and limitations under
the License.

This product includes software developed at The Apache Software Foundation
(https://www.apache.org/). It is served with this site so that pages draw
their charts without any network request.
";

/// A theme ready to render pages.
pub struct Theme {
    environment: Environment<'static>,
    /// Template name → the path shown in messages.
    origins: BTreeMap<String, String>,
    /// Files for `assets/`, by name.
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// The slots and marks of decks rendered once for two pages.
    pub marks: Marks,
    /// Whether a template a deck is rendered with reads `on_paper` itself
    /// (a site's theme may): then the print view's decks are rendered
    /// apart, as `on_paper` cannot be cut out afterwards.
    pub deck_reads_on_paper: bool,
}

/// The variable that holds the screen-only marks while a deck is rendered
/// for both its pages.
pub const SCREEN_ONLY_MARKS: &str = "sitrep_screen_only_marks";

/// `{% filter screen_only %}…{% endfilter %}`: markup the print view
/// leaves out (`on_paper`); between marks when a deck is rendered for both
/// pages at once, so that the print view can cut it out.
fn screen_only(state: &State, value: Value) -> Result<Value, minijinja::Error> {
    if state
        .lookup("on_paper")
        .is_some_and(|paper| paper.is_true())
    {
        return Ok(Value::from_safe_string(String::new()));
    }
    let Some(marks) = state
        .lookup(SCREEN_ONLY_MARKS)
        .filter(|marks| !marks.is_undefined())
    else {
        return Ok(value);
    };
    // Text a theme passes in unescaped is escaped as `{{ }}` would.
    let value = if value.is_safe() {
        value
    } else {
        minijinja::filters::escape(state, &value)?
    };
    Ok(Value::from_safe_string(format!(
        "{}{value}{}",
        marks.get_item_by_index(0)?,
        marks.get_item_by_index(1)?
    )))
}

impl Theme {
    /// The built-in theme with the site's overrides, if any. Template
    /// syntax errors are reported with file and line.
    pub fn new(overrides: Option<&ThemeFiles>) -> Result<Theme, Vec<Diagnostic>> {
        let mut sources: BTreeMap<String, (String, String)> = DEFAULT_TEMPLATES
            .iter()
            .map(|(name, source)| {
                (
                    name.to_string(),
                    (
                        format!("(built-in theme) templates/{name}"),
                        source.to_string(),
                    ),
                )
            })
            .collect();
        let mut static_files: BTreeMap<String, Vec<u8>> = DEFAULT_STATIC
            .iter()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
            .collect();
        static_files.insert("echarts.min.js".to_string(), ECHARTS_RUNTIME.to_vec());
        static_files.insert(
            "echarts-LICENSE.txt".to_string(),
            ECHARTS_NOTICE.as_bytes().to_vec(),
        );
        if let Some(theme) = overrides {
            for (name, path, source) in &theme.templates {
                sources.insert(name.clone(), (path.clone(), source.clone()));
            }
            for (name, bytes) in &theme.static_files {
                static_files.insert(name.clone(), bytes.clone());
            }
        }
        let deck_reads_on_paper = sources
            .iter()
            .any(|(name, (_, source))| name != "print.html" && source.contains("on_paper"));
        let mut environment = Environment::new();
        environment.add_filter("screen_only", screen_only);
        environment.set_debug(true);
        environment.set_trim_blocks(true);
        environment.set_lstrip_blocks(true);
        environment.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        let mut errors = Vec::new();
        let mut origins = BTreeMap::new();
        for (name, (path, source)) in sources {
            if let Err(error) = environment.add_template_owned(name.clone(), source) {
                errors.push(template_error(&error, &path));
            }
            origins.insert(name, path);
        }
        if errors.is_empty() {
            Ok(Theme {
                environment,
                origins,
                static_files,
                marks: Marks::random(),
                deck_reads_on_paper,
            })
        } else {
            Err(errors)
        }
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: minijinja::Value) -> Result<String, Diagnostic> {
        let template = self
            .environment
            .get_template(name)
            .map_err(|error| self.diagnostic(&error, name))?;
        template
            .render(context)
            .map_err(|error| self.diagnostic(&error, name))
    }

    fn diagnostic(&self, error: &minijinja::Error, fallback: &str) -> Diagnostic {
        let name = error.name().unwrap_or(fallback);
        let path = self
            .origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("(theme) templates/{name}"));
        template_error(error, &path)
    }
}

fn template_error(error: &minijinja::Error, path: &str) -> Diagnostic {
    let mut message = error
        .detail()
        .map_or_else(|| error.kind().to_string(), str::to_string);
    // Errors inside included templates are reported by the outer one;
    // name the inner one too.
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        if let Some(inner) = inner.downcast_ref::<minijinja::Error>() {
            message.push_str(&format!(
                " (in {} line {})",
                inner.name().unwrap_or("?"),
                inner.line().unwrap_or(0)
            ));
        }
        source = inner.source();
    }
    Diagnostic::new(Path::new(path), message)
        .at_line(error.line())
        .with_help("fix the template; the README lists what every template can use")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_theme_compiles_and_ships_the_chart_runtime() {
        let theme = Theme::new(None).unwrap();
        let runtime = &theme.static_files["echarts.min.js"];
        assert!(runtime.len() > 500_000, "the ECharts runtime is embedded");
        assert!(String::from_utf8_lossy(&runtime[..400]).contains("Apache Software Foundation"));
        assert!(theme.static_files.contains_key("echarts-LICENSE.txt"));
    }

    #[test]
    fn site_files_replace_built_in_ones() {
        let overrides = ThemeFiles {
            name: "brand".into(),
            templates: vec![(
                "landing.html".into(),
                "themes/brand/templates/landing.html".into(),
                "Hello {{ site.title }}".into(),
            )],
            static_files: vec![
                ("sitrep.css".into(), b"body{}".to_vec()),
                ("logo.svg".into(), b"<svg/>".to_vec()),
            ],
        };
        let theme = Theme::new(Some(&overrides)).unwrap();
        let html = theme
            .render(
                "landing.html",
                minijinja::context! { site => minijinja::context! { title => "<WBR>" } },
            )
            .unwrap();
        assert_eq!(html, "Hello &lt;WBR&gt;");
        assert_eq!(theme.static_files["sitrep.css"], b"body{}");
        assert!(theme.static_files.contains_key("logo.svg"));
        assert!(theme.static_files.contains_key("sitrep.js"));
    }

    #[test]
    fn template_errors_name_file_and_line() {
        let overrides = ThemeFiles {
            name: "brand".into(),
            templates: vec![(
                "week.html".into(),
                "themes/brand/templates/week.html".into(),
                "line one\n{% if %}\n".into(),
            )],
            static_files: vec![],
        };
        let errors = Theme::new(Some(&overrides)).err().unwrap();
        assert_eq!(
            errors[0].path,
            Path::new("themes/brand/templates/week.html")
        );
        assert_eq!(errors[0].line, Some(2));
    }
}
