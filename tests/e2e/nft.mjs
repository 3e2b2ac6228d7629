// SPDX-License-Identifier: Apache-2.0
// nft rules for browser tests: one table with one output chain in the test's
// own network namespace (run-in-netns.sh runs the tests as root there), so a
// test can drop or limit packets on one leg of a call. Loopback packets pass
// the output hook once, so one rule there sees every packet.
import { execFileSync } from 'node:child_process';

export class NftTable {
  constructor(name) {
    this.name = name;
    this.ok = undefined;
  }

  /** Whether nft works here (the nftables package, CAP_NET_ADMIN in the namespace). */
  usable() {
    if (this.ok === undefined) {
      try {
        execFileSync('nft', ['-f', '-'], {
          input: `add table inet ${this.name}\ndelete table inet ${this.name}\n`,
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        this.ok = true;
      } catch (err) {
        console.log(`nft unusable: ${err.stderr?.toString().trim() || err.message}`);
        this.ok = false;
      }
    }
    return this.ok;
  }

  /** Replaces every rule of this table with `rule` (nft syntax, e.g. "udp sport 5000 counter drop"). */
  set(rule) {
    this.clear();
    execFileSync('nft', ['-f', '-'], {
      input: [
        `add table inet ${this.name}`,
        `add chain inet ${this.name} out { type filter hook output priority 0; policy accept; }`,
        `add rule inet ${this.name} out ${rule}`,
        '',
      ].join('\n'),
    });
  }

  /** Packets the rule's counter saw so far (0 without a table). */
  counter() {
    try {
      const text = execFileSync('nft', ['list', 'table', 'inet', this.name], { encoding: 'utf8' });
      const m = /counter packets (\d+)/.exec(text);
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  clear() {
    if (!this.ok) return;
    try {
      execFileSync('nft', ['delete', 'table', 'inet', this.name], { stdio: 'ignore' });
    } catch {
      // no table: nothing to clear
    }
  }
}
