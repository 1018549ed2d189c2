//! Running a `.sql` source against a PostgreSQL-protocol database.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use jiff::civil::Date;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Config, NoTls};

use super::placeholders::{Param, Rewritten};
use super::values::{supported, Cell};

/// A connection to run queries on, from the URL in the environment.
#[derive(Clone)]
pub struct Connection {
    config: Config,
    /// `postgresql://user@host:port/database`: the URL without its secret,
    /// for messages and the manifest.
    pub description: String,
}

impl Connection {
    /// Parses a connection URL; the error never repeats the URL, which
    /// holds the password.
    pub fn from_url(url: &str) -> Result<Connection, String> {
        let mut config: Config = url
            .parse()
            .map_err(|error| format!("it is not a PostgreSQL connection URL ({error})"))?;
        config.application_name("sitrep pull");
        let host = config
            .get_hosts()
            .first()
            .map(|host| match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".to_string());
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or("").to_string();
        let database = config.get_dbname().unwrap_or(&user).to_string();
        let description = if user.is_empty() {
            format!("postgresql://{host}:{port}/{database}")
        } else {
            format!("postgresql://{user}@{host}:{port}/{database}")
        };
        Ok(Connection {
            config,
            description,
        })
    }
}

/// Why a query failed.
#[derive(Debug)]
pub enum Failure {
    /// The server refused the query; `position` is its error cursor (1-based
    /// characters of the query sent).
    Query {
        message: String,
        position: Option<usize>,
        help: Option<String>,
    },
    /// Connecting failed.
    Connect(String),
    /// The query ran past its time limit.
    TimedOut,
    /// A column sitrep cannot write, or a value it cannot read.
    Column { message: String, help: String },
    /// Writing the result failed.
    Write(std::io::Error),
}

/// Rows and the CSV written.
pub struct Written {
    pub rows: u64,
}

/// Runs `query` with its parameters bound as dates in a read-only
/// transaction, writing the result as CSV to `out`. The server stops the
/// query at `limit` (`statement_timeout`) and so does sitrep, should the
/// server not.
pub fn run(
    connection: &Connection,
    query: &Rewritten,
    as_of: Date,
    since: Date,
    limit: Duration,
    out: &mut dyn Write,
) -> Result<Written, Failure> {
    let mut config = connection.config.clone();
    config.connect_timeout(limit.min(Duration::from_secs(30)));
    let mut client = config.connect(NoTls).map_err(connect_failure)?;
    client
        .batch_execute(&format!(
            "SET statement_timeout = {}",
            limit.as_millis().max(1)
        ))
        .map_err(query_failure)?;

    // The client-side limit: cancel the query from another connection.
    let cancel = client.cancel_token();
    let timed_out = Arc::new(AtomicBool::new(false));
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = {
        let timed_out = Arc::clone(&timed_out);
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
                timed_out.store(true, Ordering::SeqCst);
                let _ = cancel.cancel_query(NoTls);
            }
        })
    };
    let result = run_query(&mut client, query, as_of, since, out);
    drop(done);
    let _ = watchdog.join();
    match result {
        Err(Failure::Query { .. }) if timed_out.load(Ordering::SeqCst) => Err(Failure::TimedOut),
        other => other,
    }
}

fn run_query(
    client: &mut postgres::Client,
    query: &Rewritten,
    as_of: Date,
    since: Date,
    out: &mut dyn Write,
) -> Result<Written, Failure> {
    let mut transaction = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(query_failure)?;
    let types = vec![Type::DATE; query.params.len()];
    let statement = transaction
        .prepare_typed(&query.text, &types)
        .map_err(query_failure)?;
    for column in statement.columns() {
        if !supported(column.type_()) {
            return Err(Failure::Column {
                message: format!(
                    "column `{}` has the type {}, which sitrep cannot write to a CSV file",
                    column.name(),
                    column.type_().name()
                ),
                help: format!(
                    "convert it in the query, e.g. `{0}::text`, or for a duration a number such as `extract(epoch from {0}) / 60`",
                    column.name()
                ),
            });
        }
    }
    let values: Vec<PgDate> = query
        .params
        .iter()
        .map(|param| {
            PgDate(match param {
                Param::AsOf => as_of,
                Param::Since => since,
            })
        })
        .collect();
    let params: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|value| value as &(dyn ToSql + Sync))
        .collect();
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    let names: Vec<&str> = statement.columns().iter().map(|c| c.name()).collect();
    writer.write_record(&names).map_err(write_failure)?;
    let mut rows = transaction
        .query_raw(&statement, params)
        .map_err(query_failure)?;
    let mut count = 0u64;
    let mut record: Vec<String> = Vec::with_capacity(names.len());
    use postgres::fallible_iterator::FallibleIterator;
    while let Some(row) = rows.next().map_err(query_failure)? {
        record.clear();
        for (index, name) in names.iter().enumerate() {
            let cell: Cell = row.try_get(index).map_err(|error| Failure::Column {
                message: format!(
                    "row {} of the result, column `{name}`: {}",
                    count + 1,
                    error
                        .source()
                        .map_or(error.to_string(), |source| source.to_string())
                ),
                help: "filter or convert such values in the query".to_string(),
            })?;
            record.push(cell.0);
        }
        writer.write_record(&record).map_err(write_failure)?;
        count += 1;
    }
    writer.flush().map_err(Failure::Write)?;
    Ok(Written { rows: count })
}

/// A date bound as a parameter of type `date`: days since 2000-01-01.
#[derive(Debug)]
struct PgDate(Date);

impl ToSql for PgDate {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let days = (self.0 - jiff::civil::date(2000, 1, 1)).get_days();
        out.extend_from_slice(&days.to_be_bytes());
        Ok(postgres::types::IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }

    postgres::types::to_sql_checked!();
}

use std::error::Error as _;

fn write_failure(error: csv::Error) -> Failure {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => Failure::Write(error),
        other => Failure::Write(std::io::Error::other(format!("{other:?}"))),
    }
}

fn query_failure(error: postgres::Error) -> Failure {
    match error.as_db_error() {
        Some(db) if *db.code() == SqlState::QUERY_CANCELED => Failure::TimedOut,
        Some(db) => {
            let position = match db.position() {
                Some(postgres::error::ErrorPosition::Original(position)) => {
                    Some(*position as usize)
                }
                _ => None,
            };
            let help = match (db.detail(), db.hint()) {
                (Some(detail), Some(hint)) => Some(format!("{detail} {hint}")),
                (Some(text), None) | (None, Some(text)) => Some(text.to_string()),
                (None, None) => None,
            };
            Failure::Query {
                message: db.message().to_string(),
                position,
                help,
            }
        }
        None if error.is_closed() => {
            Failure::Connect("the server closed the connection".to_string())
        }
        None => Failure::Connect(describe(&error)),
    }
}

fn connect_failure(error: postgres::Error) -> Failure {
    match error.as_db_error() {
        Some(db) => Failure::Connect(db.message().to_string()),
        None => Failure::Connect(describe(&error)),
    }
}

/// The error and its causes, e.g. "error connecting to server: Connection
/// refused (os error 111)".
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_of_a_connection_leaves_out_the_password() {
        let connection =
            Connection::from_url("postgresql://analyst:s3cret@db.example.com:6543/wbr").unwrap();
        assert_eq!(
            connection.description,
            "postgresql://analyst@db.example.com:6543/wbr"
        );
        let error = Connection::from_url("postgresql://a:s3cret@host:notaport/x")
            .err()
            .unwrap();
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[test]
    fn dates_bind_as_days_since_2000() {
        let mut bytes = postgres::types::private::BytesMut::new();
        PgDate(jiff::civil::date(2026, 11, 22))
            .to_sql(&Type::DATE, &mut bytes)
            .unwrap();
        // 2000-01-01 to 2026-11-22: 9822 days.
        assert_eq!(&bytes[..], &9822i32.to_be_bytes());
    }
}
