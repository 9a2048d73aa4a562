//! Forward-only migrations, kept next to each table's module. Applied versions are recorded per
//! table in `schema_migrations`, so adding a migration to one table never renumbers another's.

use rusqlite::{params, Connection};

use crate::StoreError;

pub fn run(conn: &mut Connection, tables: &[(&str, &[&str])]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            module TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (module, version))",
    )?;
    let tx = conn.transaction()?;
    for (module, migrations) in tables {
        let applied: i64 = tx.query_row(
            "SELECT COUNT(*) FROM schema_migrations WHERE module = ?1",
            params![module],
            |row| row.get(0),
        )?;
        for (version, sql) in migrations.iter().enumerate().skip(applied as usize) {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (module, version) VALUES (?1, ?2)",
                params![module, version as i64],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}
