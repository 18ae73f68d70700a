CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE alerts (
	id INTEGER NOT NULL, 
	"key" VARCHAR(255) NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	channel_display TEXT NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	event_id INTEGER, 
	source_id VARCHAR(64), 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME, 
	last_error TEXT, 
	payload JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	resolved_at DATETIME, 
	CONSTRAINT fk_alerts_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE SET NULL, 
	CONSTRAINT pk_alerts PRIMARY KEY (id), 
	CONSTRAINT uq_alerts_key_channel UNIQUE ("key", channel)
);
CREATE TABLE article_bands (
	band INTEGER NOT NULL, 
	hash BIGINT NOT NULL, 
	article_id INTEGER NOT NULL, 
	CONSTRAINT fk_article_bands_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE, 
	CONSTRAINT pk_article_bands PRIMARY KEY (band, hash, article_id)
);
CREATE TABLE "articles" (
	id INTEGER NOT NULL, 
	canonical_url VARCHAR(2048) NOT NULL, 
	url TEXT NOT NULL, 
	page_id INTEGER, 
	source_id VARCHAR(64), 
	title TEXT, 
	lead TEXT, 
	text TEXT NOT NULL, 
	author TEXT, 
	published_at DATETIME, 
	published_from VARCHAR(16), 
	language VARCHAR(8), 
	content_hash VARCHAR(64) NOT NULL, 
	word_count INTEGER NOT NULL, 
	duplicate_of INTEGER, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	minhash BLOB, 
	event_type VARCHAR(32), 
	topics JSON DEFAULT '[]' NOT NULL, 
	classification JSON DEFAULT '{}' NOT NULL, 
	fields JSON DEFAULT '{}' NOT NULL, 
	event_id INTEGER, search_text TEXT, published_offset INTEGER, 
	CONSTRAINT fk_articles_duplicate_of_articles FOREIGN KEY(duplicate_of) REFERENCES articles (id) ON DELETE SET NULL, 
	CONSTRAINT fk_articles_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE SET NULL, 
	CONSTRAINT fk_articles_page_id_pages FOREIGN KEY(page_id) REFERENCES pages (id) ON DELETE SET NULL, 
	CONSTRAINT pk_articles PRIMARY KEY (id), 
	CONSTRAINT uq_articles_canonical_url UNIQUE (canonical_url)
);
CREATE TABLE attachments (
	id INTEGER NOT NULL, 
	canonical_url VARCHAR(2048) NOT NULL, 
	url TEXT NOT NULL, 
	article_url VARCHAR(2048), 
	source_id VARCHAR(64), 
	kind VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	content_type VARCHAR(255), 
	title TEXT, 
	text TEXT, 
	pages INTEGER, 
	body BLOB NOT NULL, 
	size INTEGER NOT NULL, 
	sha1 VARCHAR(40) NOT NULL, 
	message TEXT, 
	fetched_at DATETIME NOT NULL, 
	CONSTRAINT pk_attachments PRIMARY KEY (id), 
	CONSTRAINT uq_attachments_canonical_url UNIQUE (canonical_url)
);
CREATE TABLE correction_articles (
	correction_id INTEGER NOT NULL, 
	article_url VARCHAR(2048) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	CONSTRAINT fk_correction_articles_correction_id_corrections FOREIGN KEY(correction_id) REFERENCES corrections (id) ON DELETE CASCADE, 
	CONSTRAINT pk_correction_articles PRIMARY KEY (correction_id, article_url)
);
CREATE TABLE corrections (
	id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	field VARCHAR(32), 
	old_value JSON, 
	new_value JSON, 
	event_id INTEGER, 
	article_id INTEGER, 
	user_id INTEGER, 
	user_name VARCHAR(64) NOT NULL, 
	note TEXT, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT fk_corrections_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT pk_corrections PRIMARY KEY (id)
);
CREATE TABLE crawl_runs (
	id INTEGER NOT NULL, 
	source_id VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	"trigger" VARCHAR(16) NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	finish_reason VARCHAR(64), 
	hostname VARCHAR(255), 
	pid INTEGER, 
	requests INTEGER NOT NULL, 
	responses INTEGER NOT NULL, 
	pages_stored INTEGER NOT NULL, 
	articles_new INTEGER NOT NULL, 
	articles_updated INTEGER NOT NULL, 
	fetch_errors INTEGER NOT NULL, 
	process_errors INTEGER NOT NULL, 
	error_counts JSON NOT NULL, 
	stats JSON NOT NULL, 
	message TEXT, 
	CONSTRAINT pk_crawl_runs PRIMARY KEY (id)
);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	topics JSON NOT NULL, 
	title TEXT, 
	date_held DATE, 
	date_end DATE, 
	province VARCHAR(64), 
	province_2025 VARCHAR(64), 
	venue TEXT, 
	organizers JSON NOT NULL, 
	participants INTEGER, 
	provinces_covered INTEGER, 
	legal_refs JSON NOT NULL, 
	speakers JSON NOT NULL, 
	score FLOAT NOT NULL, 
	provenance JSON NOT NULL, 
	first_seen_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, status VARCHAR(16) DEFAULT 'held' NOT NULL, 
	CONSTRAINT pk_events PRIMARY KEY (id)
);
CREATE TABLE fetch_errors (
	id INTEGER NOT NULL, 
	crawl_run_id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	status INTEGER, 
	message TEXT, 
	at DATETIME NOT NULL, 
	CONSTRAINT fk_fetch_errors_crawl_run_id_crawl_runs FOREIGN KEY(crawl_run_id) REFERENCES crawl_runs (id) ON DELETE CASCADE, 
	CONSTRAINT pk_fetch_errors PRIMARY KEY (id)
);
CREATE TABLE pages (
	id INTEGER NOT NULL, 
	canonical_url VARCHAR(2048) NOT NULL, 
	url TEXT NOT NULL, 
	requested_canonical VARCHAR(2048), 
	source_id VARCHAR(64), 
	crawl_run_id INTEGER, 
	status_code INTEGER NOT NULL, 
	headers JSON NOT NULL, 
	body BLOB NOT NULL, 
	body_size INTEGER NOT NULL, 
	body_sha1 VARCHAR(40) NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	process_status VARCHAR(16) NOT NULL, 
	process_error TEXT, 
	processed_at DATETIME, 
	CONSTRAINT pk_pages PRIMARY KEY (id), 
	CONSTRAINT uq_pages_canonical_url UNIQUE (canonical_url)
);
CREATE TABLE saved_searches (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	"query" TEXT NOT NULL, 
	filters JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT fk_saved_searches_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT pk_saved_searches PRIMARY KEY (id), 
	CONSTRAINT uq_saved_searches_user_id_name UNIQUE (user_id, name)
);
CREATE TABLE sources (
	id VARCHAR(64) NOT NULL, 
	name TEXT NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	province VARCHAR(64), 
	province_2025 VARCHAR(64), 
	homepage TEXT NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	config JSON NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_sources PRIMARY KEY (id)
);
CREATE TABLE subscriptions (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	saved_search_id INTEGER, 
	province VARCHAR(64), 
	url TEXT NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	enabled BOOLEAN DEFAULT 1 NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_digest_at DATETIME, 
	CONSTRAINT fk_subscriptions_saved_search_id_saved_searches FOREIGN KEY(saved_search_id) REFERENCES saved_searches (id) ON DELETE CASCADE, 
	CONSTRAINT fk_subscriptions_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT pk_subscriptions PRIMARY KEY (id)
);
CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	password_hash TEXT NOT NULL, 
	token_hash VARCHAR(64), 
	disabled BOOLEAN DEFAULT 0 NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	last_login_at DATETIME, 
	CONSTRAINT pk_users PRIMARY KEY (id), 
	CONSTRAINT uq_users_name UNIQUE (name), 
	CONSTRAINT uq_users_token_hash UNIQUE (token_hash)
);
CREATE TABLE web_secrets (
	name VARCHAR(32) NOT NULL, 
	value VARCHAR(128) NOT NULL, 
	CONSTRAINT pk_web_secrets PRIMARY KEY (name)
);
CREATE INDEX ix_alerts_channel ON alerts (channel);
CREATE INDEX ix_alerts_created_at ON alerts (created_at);
CREATE INDEX ix_alerts_event_id ON alerts (event_id);
CREATE INDEX ix_alerts_kind ON alerts (kind);
CREATE INDEX ix_alerts_next_attempt_at ON alerts (next_attempt_at);
CREATE INDEX ix_alerts_source_id ON alerts (source_id);
CREATE INDEX ix_alerts_status ON alerts (status);
CREATE INDEX ix_article_bands_article_id ON article_bands (article_id);
CREATE INDEX ix_articles_content_hash ON articles (content_hash);
CREATE INDEX ix_articles_created_at ON articles (created_at);
CREATE INDEX ix_articles_duplicate_of ON articles (duplicate_of);
CREATE INDEX ix_articles_event_id ON articles (event_id);
CREATE INDEX ix_articles_event_type ON articles (event_type);
CREATE INDEX ix_articles_language ON articles (language);
CREATE INDEX ix_articles_page_id ON articles (page_id);
CREATE INDEX ix_articles_published_at ON articles (published_at);
CREATE INDEX ix_articles_source_id ON articles (source_id);
CREATE INDEX ix_articles_source_published ON articles (source_id, published_at);
CREATE INDEX ix_attachments_article_url ON attachments (article_url);
CREATE INDEX ix_attachments_source_id ON attachments (source_id);
CREATE INDEX ix_attachments_status ON attachments (status);
CREATE INDEX ix_correction_articles_article_url ON correction_articles (article_url);
CREATE INDEX ix_corrections_created_at ON corrections (created_at);
CREATE INDEX ix_corrections_kind ON corrections (kind);
CREATE INDEX ix_crawl_runs_source_id ON crawl_runs (source_id);
CREATE INDEX ix_crawl_runs_started_at ON crawl_runs (started_at);
CREATE INDEX ix_crawl_runs_status ON crawl_runs (status);
CREATE INDEX ix_events_date_held ON events (date_held);
CREATE INDEX ix_events_first_seen_at ON events (first_seen_at);
CREATE INDEX ix_events_province ON events (province);
CREATE INDEX ix_events_province_2025 ON events (province_2025);
CREATE INDEX ix_events_status ON events (status);
CREATE INDEX ix_events_type ON events (type);
CREATE INDEX ix_fetch_errors_crawl_run_id ON fetch_errors (crawl_run_id);
CREATE INDEX ix_fetch_errors_kind ON fetch_errors (kind);
CREATE INDEX ix_pages_process_status ON pages (process_status);
CREATE INDEX ix_pages_requested_canonical ON pages (requested_canonical);
CREATE INDEX ix_pages_source_id ON pages (source_id);
CREATE INDEX ix_subscriptions_user_id ON subscriptions (user_id);
CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN INSERT INTO articles_fts(articles_fts, rowid, search_text, pairs, tags) VALUES ('delete', old.id, old.search_text, nm_word_pairs(old.search_text), nm_search_tags(old.source_id, old.language, old.event_type, old.duplicate_of, old.published_at)); END;
CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN INSERT INTO articles_fts(rowid, search_text, pairs, tags) VALUES (new.id, new.search_text, nm_word_pairs(new.search_text), nm_search_tags(new.source_id, new.language, new.event_type, new.duplicate_of, new.published_at)); END;
CREATE TRIGGER articles_fts_au AFTER UPDATE OF search_text, source_id, language, event_type, duplicate_of, published_at ON articles BEGIN INSERT INTO articles_fts(articles_fts, rowid, search_text, pairs, tags) VALUES ('delete', old.id, old.search_text, nm_word_pairs(old.search_text), nm_search_tags(old.source_id, old.language, old.event_type, old.duplicate_of, old.published_at)); INSERT INTO articles_fts(rowid, search_text, pairs, tags) VALUES (new.id, new.search_text, nm_word_pairs(new.search_text), nm_search_tags(new.source_id, new.language, new.event_type, new.duplicate_of, new.published_at)); END;
CREATE VIRTUAL TABLE articles_fts USING fts5(search_text, pairs, tags, content='', tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
INSERT INTO alembic_version (version_num) VALUES ('0011');
