-- Replace the rows of the scoped cases in a standardized table with their rebuilt rows.
delete from {{ target }} where case_id in (select case_id from {{ scope }});

insert into {{ target }} by name select * from {{ rebuilt }};
