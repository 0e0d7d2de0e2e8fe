-- An order-free fingerprint of the raw rows held in quarantine for the given loads: it changes when a row of
-- those loads is newly held (pv validate) or released (pv quarantine --release).
-- params: load_ids
select count(*)::varchar || ':' || coalesce(bit_xor(hash(table_name, load_id, line_no)), 0)::varchar
from quarantined_row
where list_contains($load_ids, load_id);
