import { newestVersionFirst } from './postgres.binaries';
import { renderPostgresSettings } from './postgres.cluster';
import { parseJavaMajorVersion } from './java.locator';

describe('newestVersionFirst', () => {
  it('orders Debian version folders numerically, newest first', () => {
    expect(
      newestVersionFirst([
        '/usr/lib/postgresql/9.6/bin',
        '/usr/lib/postgresql/16/bin',
        '/usr/lib/postgresql/15/bin',
      ]),
    ).toEqual(['/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/9.6/bin']);
  });
});

describe('renderPostgresSettings', () => {
  it('listens on 127.0.0.1 at the port with the socket in the cluster folder', () => {
    const text = renderPostgresSettings({
      port: 5999,
      socketDirectory: '/repo/.qupersync/postgres',
      durable: true,
    });
    expect(text).toContain('port = 5999');
    expect(text).toContain("listen_addresses = '127.0.0.1'");
    expect(text).toContain("unix_socket_directories = '/repo/.qupersync/postgres'");
    expect(text).not.toContain('fsync');
  });

  it('turns durability off only when asked', () => {
    expect(renderPostgresSettings({ port: 1, socketDirectory: '/s', durable: false })).toContain(
      'fsync = off',
    );
  });

  it('falls back to TCP only when the socket path would be too long', () => {
    expect(
      renderPostgresSettings({ port: 1, socketDirectory: `/${'x'.repeat(120)}`, durable: true }),
    ).toContain("unix_socket_directories = ''");
  });
});

describe('parseJavaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['java version "1.8.0_402"', 8],
    ['openjdk version "21" 2023-09-19', 21],
    ['no java here', null],
  ])('%s -> %s', (output, major) => {
    expect(parseJavaMajorVersion(output)).toBe(major);
  });
});
