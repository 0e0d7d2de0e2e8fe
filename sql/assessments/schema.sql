-- The assessment store (SQLite, beside the DuckDB database; pv.signals.assessments). signal_assessment_audit: one
-- row per change of one field of one signal's assessment (level x drug x event): who, when, old -> new, and the
-- pair's statistics the assessor saw (the reopening rule compares later runs with them). Append-only: the triggers
-- refuse any update or delete. The current state (signal_assessment) is the latest value of each field.
-- Grain: one row per change. Key: change_id.
create table if not exists signal_assessment_audit (
    change_id   integer primary key autoincrement,
    level       text not null,
    drug        text not null,
    event       text not null,
    field       text not null check (field in ('status', 'rationale', 'evidence', 'next_review_date')),
    old_value   text,
    new_value   text,
    changed_by  text not null,
    changed_at  text not null,                 -- ISO 8601, UTC
    run_id      integer,                       -- the signal run whose statistics the assessor saw (null: none)
    a           integer,
    eb05        real
);

create index if not exists signal_assessment_audit_pair on signal_assessment_audit (level, drug, event, change_id);

create trigger if not exists signal_assessment_audit_no_update before update on signal_assessment_audit
begin
    select raise(abort, 'signal_assessment_audit is append-only: record a new change instead');
end;

create trigger if not exists signal_assessment_audit_no_delete before delete on signal_assessment_audit
begin
    select raise(abort, 'signal_assessment_audit is append-only: nothing is deleted');
end;

create view if not exists signal_assessment as
with latest as (
    select level, drug, event, field, new_value, changed_by, changed_at,
           row_number() over (partition by level, drug, event, field order by change_id desc) as recency
    from signal_assessment_audit
),
status as (select * from latest where field = 'status' and recency = 1)
select s.level, s.drug, s.event, s.new_value as status, s.changed_by as assessor, s.changed_at as status_date,
       r.new_value as rationale, e.new_value as evidence, n.new_value as next_review_date,
       (select max(changed_at) from signal_assessment_audit as x
        where x.level = s.level and x.drug = s.drug and x.event = s.event) as updated_at
from status as s
left join latest as r on r.level = s.level and r.drug = s.drug and r.event = s.event and r.field = 'rationale'
    and r.recency = 1
left join latest as e on e.level = s.level and e.drug = s.drug and e.event = s.event and e.field = 'evidence'
    and e.recency = 1
left join latest as n on n.level = s.level and n.drug = s.drug and n.event = s.event
    and n.field = 'next_review_date' and n.recency = 1;
