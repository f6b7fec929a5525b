/** GET /api/v1/me/ */
export interface Me {
  id: number;
  username: string;
  is_staff: boolean;
}

/** POST /api/v1/live-check/ (202) */
export interface LiveCheckStarted {
  id: string;
}
