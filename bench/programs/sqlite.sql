-- sqlite.sql - a bulk insert, two indexes and queries, for bench/preload.sh.
-- Deterministic (no random()): the same output under every correct allocator.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -65536;
CREATE TABLE item (id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, body TEXT, score REAL);
WITH RECURSIVE seq(i, v) AS (
    SELECT 1, 12345
    UNION ALL
    SELECT i + 1, (v * 1103515245 + 12345) % 2147483648 FROM seq WHERE i < 30000
)
INSERT INTO item (id, grp, name, body, score)
SELECT i, v % 1000, printf('n%08x', v), printf('%.*c', 20 + v % 200, 'x') || hex(v),
       (v % 100000) / 7.0
FROM seq;
CREATE INDEX item_grp ON item (grp, score);
CREATE INDEX item_name ON item (name);
SELECT count(*), sum(length(body)), round(sum(score), 3) FROM item;
SELECT grp, count(*), round(avg(score), 3), max(name) FROM item
GROUP BY grp ORDER BY count(*) DESC, grp LIMIT 10;
SELECT a.grp, count(*) FROM item a JOIN item b ON a.name = b.name AND a.id < b.id
GROUP BY a.grp ORDER BY a.grp LIMIT 5;
SELECT name, length(group_concat(body, ',')) FROM item WHERE grp BETWEEN 100 AND 140
GROUP BY name ORDER BY name LIMIT 5;
UPDATE item SET body = upper(body) || name WHERE grp % 3 = 0;
DELETE FROM item WHERE grp % 5 = 1;
SELECT count(*), sum(length(body)) FROM item;
SELECT group_concat(name, '') FROM (SELECT name FROM item ORDER BY score DESC, id LIMIT 50);
