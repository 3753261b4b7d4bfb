-- The service network (经办服务网络, issue 16): service points at every level with their hours,
-- windows and items; grids of villages and communities with their grid worker; window tickets
-- (叫号) and appointments (预约). The rules are src/engine/service-network.ts.

-- Places: a region's position (a village's; a county's or town's centre) and its resident count,
-- NULL when unknown. The demo's positions are synthetic (docs/service-network.md).
ALTER TABLE regions ADD COLUMN lat double precision CHECK (lat BETWEEN -90 AND 90);
ALTER TABLE regions ADD COLUMN lng double precision CHECK (lng BETWEEN -180 AND 180);
ALTER TABLE regions ADD COLUMN population integer CHECK (population >= 0);
-- the places under a region are found by code prefix (a region's extent, its villages' coverage)
CREATE INDEX regions_code_prefix ON regions (code text_pattern_ops);

CREATE TABLE service_points (
  code           text PRIMARY KEY CHECK (code ~ '^SP[0-9]{14}$'),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  level          text NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'village')),
  kind           text NOT NULL CHECK (kind IN ('bureau_hall', 'town_station', 'village_point', 'bank', 'hospital', 'pharmacy')),
  admdvs         text NOT NULL REFERENCES regions (code),
  address        text NOT NULL DEFAULT '',
  lat            double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lng            double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
  opening_hours  jsonb NOT NULL, -- {"mon":[["08:30","12:00"],["14:30","17:30"]],…}; closed on the calendar's non-working days
  windows        integer NOT NULL CHECK (windows BETWEEN 1 AND 100),
  items          text[] NOT NULL CHECK (cardinality(items) > 0), -- service item codes
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CHECK (substr(code, 3, 12) = rpad(admdvs, 12, '0'))
);
CREATE INDEX service_points_admdvs ON service_points (admdvs text_pattern_ops);

-- 网格: a town's or village's households, with one grid worker (网格员) per grid.
CREATE TABLE grids (
  code        text PRIMARY KEY CHECK (code ~ '^WG[0-9]{14}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  admdvs      text NOT NULL REFERENCES regions (code),
  worker      text UNIQUE REFERENCES staff_accounts (username), -- one grid per worker, one worker per grid
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  CHECK (substr(code, 3, 12) = rpad(admdvs, 12, '0'))
);
CREATE INDEX grids_admdvs ON grids (admdvs text_pattern_ops);

CREATE TABLE grid_villages (
  grid_code  text NOT NULL REFERENCES grids (code) ON DELETE CASCADE,
  village    text NOT NULL REFERENCES regions (code),
  PRIMARY KEY (grid_code, village),
  UNIQUE (village) -- a village or community lies in one grid
);

-- 预约: a slot of a point's day, at most the point's windows per slot (checked under the point's row lock).
CREATE TABLE service_appointments (
  id          bigserial PRIMARY KEY,
  point_code  text NOT NULL REFERENCES service_points (code),
  day         date NOT NULL,
  slot        text NOT NULL CHECK (slot ~ '^[0-2][0-9]:[0-5][0-9]$'),
  item        text NOT NULL,
  psn_no      text REFERENCES persons (psn_no),
  booked_by   text NOT NULL,
  booked_at   timestamptz NOT NULL,
  state       text NOT NULL DEFAULT 'booked' CHECK (state IN ('booked', 'checked_in', 'cancelled'))
);
CREATE INDEX service_appointments_slot ON service_appointments (point_code, day, slot);

-- The day's serial of each series (A walk-in, Y appointment) at a point: issued by one upsert, never twice.
CREATE TABLE ticket_serials (
  point_code  text NOT NULL REFERENCES service_points (code),
  day         date NOT NULL,
  series      text NOT NULL CHECK (series IN ('A', 'Y')),
  last        integer NOT NULL CHECK (last BETWEEN 1 AND 999),
  PRIMARY KEY (point_code, day, series)
);

-- 叫号: waiting → called → served | missed.
CREATE TABLE service_tickets (
  id              bigserial PRIMARY KEY,
  point_code      text NOT NULL REFERENCES service_points (code),
  day             date NOT NULL,
  ticket_no       text NOT NULL CHECK (ticket_no ~ '^[AY][0-9]{3}$'),
  item            text,
  psn_no          text REFERENCES persons (psn_no),
  appointment_id  bigint UNIQUE REFERENCES service_appointments (id),
  state           text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'called', 'served', 'missed')),
  taken_by        text NOT NULL,
  taken_at        timestamptz NOT NULL,
  called_by       text,
  called_at       timestamptz,
  window_no       integer,
  finished_at     timestamptz,
  UNIQUE (point_code, day, ticket_no)
);
CREATE INDEX service_tickets_waiting ON service_tickets (point_code, day, id) WHERE state = 'waiting';
