#!/usr/bin/env node
// A social scheduler's pre-flight: before a queue of scheduled posts goes out, re-check every
// post against the clinic group's current policy (it may have changed since the post was
// written) with one CheckPostStream call, and hold the ones that may no longer go out.
//
//   ./run --server localhost:50051 queue.json
//
// Posts are written with backpressure (when write() returns false the scheduler waits for
// 'drain'), answers arrive one per post in queue order, and a post the service cannot check
// (empty text, unknown tenant) gets its own error without ending the stream.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { once } = require('node:events');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// The contract is read from proto/ at run time: no generated code to keep in step.
const PROTO_ROOT = path.join(__dirname, '..', '..', 'proto');

function usage(message) {
  if (message) console.error(`scheduler: ${message}`);
  console.error('usage: scheduler.js [--server HOST:PORT] [--tenant TENANT] QUEUE.json');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { server: 'localhost:50051', tenant: '', queue: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--server' || arg === '--tenant') {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      args[arg.slice(2)] = argv[++i];
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else if (args.queue === null) {
      args.queue = arg;
    } else {
      usage('one queue file');
    }
  }
  if (args.queue === null) usage('no queue file');
  return args;
}

// "public_post" -> "CHANNEL_PUBLIC_POST"; empty stays unspecified.
const enumName = (prefix, value) => (value ? `${prefix}_${value.toUpperCase()}` : `${prefix}_UNSPECIFIED`);

function request(post, tenant) {
  return {
    id: post.id,
    post: {
      tenant,
      text: post.text,
      account: enumName('ACCOUNT_KIND', post.account),
      channel: enumName('CHANNEL', post.channel),
      platform: enumName('PLATFORM', post.platform),
      authorName: post.authorName || '',
      labels: { post_id: post.id, source: 'scheduler' },
    },
  };
}

const statusName = (code) => Object.keys(grpc.status).find((name) => grpc.status[name] === code) || String(code);

async function checkQueue(client, queue, tenant) {
  const call = client.checkPostStream({ deadline: Date.now() + 30_000 });
  const answers = [];
  const finished = new Promise((resolve, reject) => {
    call.on('data', (answer) => answers.push(answer));
    call.on('end', resolve);
    call.on('error', reject);
  });
  for (const post of queue) {
    // Backpressure: stop writing while the transport's buffers are full.
    if (!call.write(request(post, tenant))) {
      await Promise.race([once(call, 'drain'), finished]);
    }
  }
  call.end();
  await finished;
  return answers;
}

function describe(post, answer) {
  if (answer.outcome === 'error') {
    const { code, message } = answer.error;
    return { hold: true, kind: 'error', line: `ERROR   hold: ${statusName(code)} ${message}` };
  }
  const result = answer.result;
  const verdict = result.verdict.replace('VERDICT_', '');
  if (verdict === 'ALLOW') return { hold: false, kind: 'allow', line: 'ALLOW   publish' };
  const reasons = result.findings
    .map((f) => `${f.ruleId} (${f.guideline ? f.guideline.code : '-'}) ${f.message}`)
    .join('; ');
  if (verdict === 'WARN') return { hold: false, kind: 'warn', line: `WARN    publish, tell the author: ${reasons}` };
  const kind = verdict === 'BLOCK' ? 'blocked' : 'review';
  return { hold: true, kind, line: `${verdict.padEnd(7)} hold: ${reasons}` };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const queue = JSON.parse(fs.readFileSync(args.queue, 'utf8'));
  const definition = protoLoader.loadSync('riserbo/v1/policy_service.proto', {
    includeDirs: [PROTO_ROOT],
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const { riserbo } = grpc.loadPackageDefinition(definition);
  const client = new riserbo.v1.PolicyService(args.server, grpc.credentials.createInsecure());

  let answers;
  try {
    answers = await checkQueue(client, queue, args.tenant);
  } catch (error) {
    console.error(`scheduler: the re-check failed, nothing is published: ${statusName(error.code)} ${error.details}`);
    process.exit(3);
  } finally {
    client.close();
  }
  if (answers.length !== queue.length) {
    console.error(`scheduler: ${queue.length} posts sent, ${answers.length} answers: nothing is published`);
    process.exit(3);
  }

  const policy = answers.map((a) => a.result && a.result.policy).find(Boolean);
  console.log(`Re-checked ${queue.length} scheduled posts in one stream` +
    (policy ? ` (policy ${policy.id} ${policy.version}):` : ':'));
  const counts = { allow: 0, warn: 0, review: 0, blocked: 0, error: 0 };
  queue.forEach((post, i) => {
    const answer = answers[i];
    // Answers come in request order; the echoed id and index make that checkable.
    if (answer.index !== i || answer.id !== post.id) throw new Error(`answer ${i} is for ${answer.id}`);
    const { kind, line } = describe(post, answer);
    counts[kind] += 1;
    console.log(`  ${post.publishAt}  ${post.id.padEnd(8)} ${line}`);
  });
  const held = counts.review + counts.blocked + counts.error;
  console.log(`${queue.length - held} of ${queue.length} go out as scheduled; ${held} held ` +
    `(${counts.blocked} blocked, ${counts.review} for review, ${counts.error} not checked).`);
}

main().catch((error) => {
  console.error(`scheduler: ${error.message}`);
  process.exit(3);
});
