"""The store: the database (SQLite or PostgreSQL) and a module per kind of data it keeps (numbers, usage),
with the threads that keep a request from waiting on it. Wherever a name says store, it means this database."""
