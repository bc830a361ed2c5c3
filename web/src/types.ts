// The shapes the server sends, as far as the console reads them.

export interface LatLon {
  lat: number;
  lon: number;
}

export interface RtccEvent {
  seq: number;
  id: string;
  type: string;
  agency_id: string;
  occurred_at: string;
  received_at: string;
  location: (LatLon & { accuracy_m?: number | null }) | null;
  payload: Record<string, any>;
}

export interface User {
  id: string;
  username: string;
  role: string;
  agency_id: string;
}

export interface Call {
  agency_id: string;
  call_id: string;
  call_type: string;
  priority: string;
  status: string;
  description: string;
  received_at: string;
  updated_at: string;
  lat: number | null;
  lon: number | null;
  address: string | null;
  incident_id: string | null;
  units: string[];
}

export interface Unit {
  agency_id: string;
  unit_id: string;
  status: string;
  lat: number | null;
  lon: number | null;
  heading_deg: number | null;
  speed_mps: number | null;
  incident_id: string | null;
  located_at: string | null;
}

export interface Camera {
  id: string;
  agency_id: string;
  name: string;
  kind: string;
  lat: number;
  lon: number;
  heading_deg: number | null;
  fov_deg: number | null;
  range_m: number | null;
  ptz: boolean;
  snapshot_url: string | null;
  owner: string | null;
  sharing: string | null;
  status: string;
  status_reason: string | null;
}

export interface Sensor {
  id: string;
  kind: string;
  lat: number;
  lon: number;
  status: string;
}

export interface Drone {
  id: string;
  lat: number | null;
  lon: number | null;
  altitude_m: number | null;
  battery_pct: number | null;
  state: string;
  incident_id: string | null;
}

export interface Alert {
  id: string;
  agency_id: string;
  kind: string;
  severity: string;
  title: string;
  detail: Record<string, any>;
  raised_at: string;
  lat: number | null;
  lon: number | null;
  status: string;
  outcome: string | null;
  outcome_by: string | null;
  outcome_note: string | null;
  acknowledged_by?: string | null;
  assigned_to?: string | null;
  position_id?: string | null;
  dismissed_reason?: string | null;
}

export interface Position {
  id: string;
  name: string;
  description: string | null;
  occupant: string | null;
  occupant_since: string | null;
  open_alerts: number;
}

export interface UnitAssignment {
  unit_id: string;
  dispatched_at: string | null;
  en_route_at: string | null;
  on_scene_at: string | null;
  cleared_at: string | null;
}

export interface CadIncident {
  call_id: string;
  incident_id: string | null;
  call_type: string;
  type_code: string | null;
  priority: string;
  status: string;
  description: string;
  received_at: string;
  dispatched_at: string | null;
  en_route_at: string | null;
  on_scene_at: string | null;
  cleared_at: string | null;
  lat: number | null;
  lon: number | null;
  address: string | null;
  disposition: string | null;
  units: UnitAssignment[];
  notes: { at: string; author: string; text: string }[];
}

export interface HistoryLine {
  date: string;
  kind: string;
  nibrs_code: string | null;
  description: string;
  [k: string]: any;
}

export interface Factor {
  kind: string;
  label: string;
  source_kind: string;
  source_id: string;
  source: string;
  date: string;
  weight: number;
  points: number;
  count: number;
}

export interface PersonSummary {
  person_id: string;
  name: string;
  birth_date: string | null;
}

export interface ThreatBrief {
  level: string;
  score: number;
  factors: Factor[];
  address: string | null;
  residents: { person: PersonSummary; history: HistoryLine[]; active_warrants: any[]; protective_orders: any[] }[];
  associates: {
    person: PersonSummary;
    hops: number;
    via: { kind: string; source: string }[];
    relevant_history: HistoryLine[];
    active_warrants: any[];
  }[];
  as_of: string;
}

export interface NearestUnit {
  unit_id: string;
  status: string;
  eta_s: number;
  route_m: number;
  straight_m: number;
}

export interface CameraSight {
  camera: Camera;
  distance_m: number;
  bearing_deg: number;
  view: string;
  pan_deg: number | null;
  tilt_deg: number | null;
}

export interface Bulletin {
  id: string;
  call_id: string;
  sent_by: string;
  sent_at: string;
  text: string;
  camera_id: string | null;
  receipts: { unit_id: string; delivered_at: string | null; read_at?: string | null; read_by?: string | null }[];
  read_at?: string | null;
}

// Which roles hold which of the permissions the console's layout depends on. A mirror of
// rtcc.domain.roles.PERMISSIONS (tests/api/test_audit_screen.py checks that the two agree).
export const ROLES_WITH_AUDIT_READ: readonly string[] = ["auditor"];
export const ROLES_WITH_LIVE_READ: readonly string[] = ["admin", "supervisor", "operator", "officer", "analyst"];
export const ROLES_WITH_REPORTS_READ: readonly string[] = ["admin", "supervisor", "operator", "analyst", "auditor"];
export const ROLES_WITH_BRIEF_READ: readonly string[] = ["supervisor", "operator", "officer", "analyst"];

export interface AuditEntry {
  seq: number;
  at: string;
  user_id: string | null;
  username: string | null;
  agency_id: string | null;
  action: string;
  resource: string;
  detail: Record<string, unknown>;
  purpose: string | null;
  case_number: string | null;
  outcome: string;
  source_ip: string | null;
  hash: string;
  prev_hash: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
  offset: number;
  limit: number;
  upto: number;
}

export interface AuditPickerValues {
  usernames: string[];
  actions: string[];
  outcomes: string[];
  agencies: string[];
}

export interface ChainProblem {
  kind: "deleted" | "link" | "altered";
  first_seq: number;
  last_seq: number;
  message: string;
}

export interface ChainCheck {
  checked: number;
  intact: boolean;
  problems: string[];
  last_hash: string;
  findings: ChainProblem[];
}
