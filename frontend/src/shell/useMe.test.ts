import { describe, expect, it } from 'vitest';
import { parseMe } from './useMe';

describe('parseMe', () => {
  it('reads the user, their flags and teams', () => {
    expect(parseMe({ id: 3, username: 'ada', is_staff: false, is_superuser: true, teams: ['claims', 7] })).toEqual({
      id: 3,
      username: 'ada',
      is_staff: false,
      is_superuser: true,
      teams: ['claims'],
    });
  });

  it('treats missing flags and teams as none', () => {
    expect(parseMe({ id: 1, username: 'bob', is_staff: false })).toEqual({
      id: 1,
      username: 'bob',
      is_staff: false,
      is_superuser: false,
      teams: [],
    });
  });

  it('refuses what is not a user', () => {
    expect(parseMe(null)).toBeNull();
    expect(parseMe({ username: 'x' })).toBeNull();
    expect(parseMe('ada')).toBeNull();
  });
});
