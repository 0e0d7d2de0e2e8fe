-- event_category_term: one row per category x subcategory x term of the category file in use, with the
-- term's match key (pt_match_key) and the file's identity. event_category_keyword: words `pv categories check`
-- looks for. Inputs: the Arrow views incoming_terms and incoming_keywords.
-- params: file_name, file_version, file_sha256, file_path
create or replace table event_category_term as
select
    category, category_label, subcategory, subcategory_label, rationale, term,
    pt_match_key(term) as match_key,
    $file_name as file_name, $file_version as file_version, $file_sha256 as file_sha256, $file_path as file_path
from incoming_terms;

create or replace table event_category_keyword as
select category, subcategory, keyword from incoming_keywords;
