#!/usr/bin/env node
// Runs before the suite (`npm test`): checks what the tests need from the machine and says
// exactly what is missing. The suite today needs only Node; later parts (real sshd, Chromium)
// add their system packages here, installed with apt-get when running as root.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `Switchboard's tests need Node.js 20.19 or newer; this is ${process.versions.node}.`,
  );
  process.exit(1);
}
