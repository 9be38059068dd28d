import { describe, expect, it } from 'vitest';
import { consoleUrl, devBanner, type BannerInput } from '../src/cli/banner.js';

const input: BannerInput = {
  serviceUrl: 'http://127.0.0.1:3000',
  simulatorUrl: 'http://127.0.0.1:3001',
  host: '127.0.0.1',
  appid: 'wxdevapp00000001',
  appSecret: 'wxlogin-dev-secret',
  databaseFile: '/home/me/app/.wxlogin/dev.db',
  stateFile: "/home/me/my app's/.wxlogin/state.json",
  adminToken: 'dev-admin-token_0123456789-abcdefghijk',
};

describe('the wxlogin dev banner', () => {
  it('says where the admin token is kept and which flags change the ports', () => {
    const lines = devBanner(input).split('\n');
    expect(lines).toContain(`  master key and admin token: ${input.stateFile} (kept for the next start)`);
    expect(lines).toContain(
      '  other ports or address: npm start -- --port 4000 --simulator-port 4001 --host <address> (now 3000, 3001, 127.0.0.1)',
    );
    expect(lines).toContain(
      "  mini program wxdevapp00000001, AppSecret wxlogin-dev-secret (the simulator's demo app); data in /home/me/app/.wxlogin/dev.db",
    );
  });

  it('reads the admin token from its file in the admin command, quoting the path for the shell', () => {
    const admin = devBanner(input)
      .split('\n')
      .find((line) => line.includes('/admin/api/apps'));
    expect(admin).toBe(
      `  curl -s -w '\\n' http://127.0.0.1:3000/admin/api/apps -H "authorization: Bearer $(sed -nE 's/.*"adminToken": *"([^"]*)".*/\\1/p' '/home/me/my app'\\''s/.wxlogin/state.json')"`,
    );
  });

  it("prints the console's URL with the admin token in the fragment, and the token nowhere else", () => {
    const banner = devBanner(input);
    expect(banner.split('\n')).toContain(
      'Console (open in a browser; it shows these logins): http://127.0.0.1:3000/admin#token=dev-admin-token_0123456789-abcdefghijk',
    );
    expect(banner.split(input.adminToken)).toHaveLength(2);
    expect(consoleUrl('http://127.0.0.1:3000', 'a/b+c=')).toBe('http://127.0.0.1:3000/admin#token=a%2Fb%2Bc%3D');
  });

  it('lists the LAN addresses only when listening on all of them', () => {
    expect(devBanner(input)).not.toContain('from a phone');
    const lan = devBanner({ ...input, host: '0.0.0.0', lanUrls: ['http://192.168.1.5:3000'] });
    expect(lan).toContain('  from a phone on this network (real-device preview): http://192.168.1.5:3000');
    expect(lan).toContain('(now 3000, 3001, 0.0.0.0)');
  });
});
