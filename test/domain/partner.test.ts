import { z } from 'zod';
import { partnerProfileShape, refineTrackTier } from '../../src/domain/partner';

const Profile = z.object(partnerProfileShape).superRefine(refineTrackTier);
const base = { id: 'acme', name: 'Acme Cloud', track: 'consulting', renewalDate: '12-15', country: 'US' };

describe('R-FEE: the partner profile names the fee account up front', () => {
  it.each(['select', 'advanced', 'premier'])('a partner registered at %s without feeAccountId is refused', (tier) => {
    const result = Profile.safeParse({ ...base, tier });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['feeAccountId'], message: expect.stringMatching(/12-digit AWS account ID/) }),
    ]);
  });

  it('a registered partner (no tier yet) needs no fee account', () => {
    expect(Profile.safeParse({ ...base, tier: 'registered' }).success).toBe(true);
  });

  it('a valid country without a configured tax rate is accepted; an unassigned code is not', () => {
    const withAccount = { ...base, tier: 'select', feeAccountId: '123456789012' };
    expect(Profile.safeParse({ ...withAccount, country: 'LU' }).success).toBe(true);
    expect(Profile.safeParse({ ...withAccount, country: 'XX' }).error?.issues).toEqual([
      expect.objectContaining({ path: ['country'] }),
    ]);
  });
});

describe('partner ids', () => {
  it('a word that is a path of its own under /v1/partners (import) is refused as an id, naming why', () => {
    const result = Profile.safeParse({ ...base, tier: 'registered', id: 'import' });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['id'], message: expect.stringMatching(/'import' names an endpoint/) }),
    ]);
    expect(Profile.safeParse({ ...base, tier: 'registered', id: 'import-co' }).success).toBe(true);
  });
});
