-- A visit's row is updated soon after it is written (registration, then discharge and
-- settlement), and so is every fee line (the settlement that took it). With free room left
-- on each page the new version stays on the page and no index changes (a HOT update);
-- with full pages (the default) most of these updates moved the row and wrote every index
-- again. Applies to pages written from now on.
ALTER TABLE visits SET (fillfactor = 75);
ALTER TABLE fee_lines SET (fillfactor = 75);
