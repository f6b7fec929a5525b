/** GET /api/v1/me/ */
export interface Me {
  id: number;
  username: string;
  is_staff: boolean;
  is_superuser: boolean;
  /** Names of the teams (groups) the user is in. */
  teams: string[];
}

/** POST /api/v1/live-check/ (202) */
export interface LiveCheckStarted {
  id: string;
}
