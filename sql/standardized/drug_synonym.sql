-- drug_synonym: one row per cleaned drug name -> active ingredient.
-- Inputs: the committed seed sql/seeds/drug_synonym.csv (name, ingredient), read from $seed_path.
-- Every ingredient also maps to itself, so an ingredient reported as the drug name counts as mapped.
-- params: seed_path
create or replace table drug_synonym as
with seed as (
    select clean_drug_name(name) as name, upper(trim(ingredient)) as ingredient
    from read_csv($seed_path, header = true, all_varchar = true)
),
identity as (
    select distinct clean_drug_name(ingredient) as name, ingredient from seed
),
unioned as (
    select name, ingredient from seed
    union
    select name, ingredient from identity
)
select name, min(ingredient) as ingredient, count(distinct ingredient) as n_ingredients
from unioned
where name is not null
group by name;
