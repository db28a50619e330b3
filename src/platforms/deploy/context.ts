// What every plan builder gets (project, region, options, state, image) and the steps both platforms share:
// enabling APIs, the Artifact Registry repository, and building the image with Cloud Build.
import { fileURLToPath } from 'node:url';
import { DEFAULTS, type DeployOptions } from './options.ts';
import type { CreatedResource, Step } from './plan.ts';
import type { DeployState } from './state.ts';
import type { SmokeIo } from '../smoke.ts';

/** The repository root: commands run here, so paths like deploy/cloudbuild.yaml are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface DeployContext {
  project: string;
  region: string;
  options: DeployOptions;
  /** Full image reference, e.g. us-central1-docker.pkg.dev/demo/s2s/app:git-abc. */
  image: string;
  state: DeployState;
  /** Where steps get their work directories (`<state dir>/work`); generated kustomizations live there. */
  workRoot: string;
  /** The runner's ID tokens (a private ping's smoke check); absent in plans that are only printed. */
  tokens?: (audience: string) => Promise<string>;
  /** HTTP and timing of the smoke check's in-process requests (tests inject a clock-free sleep). */
  smokeIo?: SmokeIo;
}

export function imageRef(project: string, region: string, tag: string): string {
  return `${region}-docker.pkg.dev/${project}/${DEFAULTS.repository}/app:${tag}`;
}

export const serviceAccountEmail = (name: string, project: string) => `${name}@${project}.iam.gserviceaccount.com`;

export function pingServiceAccount(project: string): string {
  return serviceAccountEmail('ping-sa', project);
}

/** The identity Cloud Build runs as: named, because new projects restrict the default Cloud Build account. */
export function buildServiceAccount(project: string): string {
  return serviceAccountEmail('s2s-build', project);
}

/** Where `gcloud builds submit` uploads the source: our own bucket, readable by the build account, deleted at teardown. */
export function buildBucket(project: string): string {
  return `gs://${project}-s2s-build`;
}

export function enableApisStep(id: string, project: string, apis: string[]): Step {
  return {
    id,
    description: `enable the APIs ${apis.join(', ')}`,
    argv: ['gcloud', 'services', 'enable', ...apis, '--project', project],
    hint: 'enabling APIs needs roles/serviceusage.serviceUsageAdmin and a billing account linked to the project (`gcloud billing projects describe <project>`)',
  };
}

/** IAM is eventually consistent: a binding for an account created a moment ago can fail for a minute; retry it. */
export const IAM_ATTEMPTS = 6;

type Where = Pick<DeployContext, 'project' | 'region' | 'options'>;

function iamWait(what: string, ctx: Where): Step['wait'] {
  return {
    attempts: IAM_ATTEMPTS,
    delayMs: ctx.options.waitIntervalS * 1000,
    until: () => true,
    timeoutHint: `${what} kept failing: a new service account can take a minute or two to be visible to IAM; run the same deploy again (finished steps are skipped). It also needs roles/resourcemanager.projectIamAdmin (project bindings) or the admin role of the resource`,
  };
}

/** Creates a service account (skipped when it exists) and records it for teardown. */
export function serviceAccountStep(id: string, platform: CreatedResource['platform'], name: string, displayName: string, why: string, project: string): Step {
  const email = serviceAccountEmail(name, project);
  return {
    id,
    description: `create the service account ${name} (${email}), ${why}`,
    probe: ['gcloud', 'iam', 'service-accounts', 'describe', email, '--project', project],
    argv: ['gcloud', 'iam', 'service-accounts', 'create', name, `--display-name=${displayName}`, '--project', project],
    creates: { platform, kind: 'service-account', name: email, deleteArgv: ['gcloud', 'iam', 'service-accounts', 'delete', email, '--project', project, '--quiet'] },
  };
}

/**
 * A project-level role for one of our service accounts. Recorded for teardown, which removes it before the
 * account goes (a deleted account leaves `deleted:serviceAccount:…` bindings behind otherwise).
 */
export function projectRoleStep(id: string, platform: CreatedResource['platform'], email: string, role: string, why: string, ctx: Where): Step {
  const project = ctx.project;
  const member = `serviceAccount:${email}`;
  const binding = ['--member', member, '--role', role, '--condition=None'];
  return {
    id,
    description: `grant ${role} on project ${project} to ${email} (${why})`,
    argv: ['gcloud', 'projects', 'add-iam-policy-binding', project, ...binding, '--format=none'],
    wait: iamWait(`granting ${role} to ${email}`, ctx),
    creates: { platform, kind: 'project-iam-binding', name: `${role} ${member}`, deleteArgv: ['gcloud', 'projects', 'remove-iam-policy-binding', project, ...binding, '--format=none'] },
  };
}

/** A role on the image repository (it goes with the repository, so nothing to record). */
export function repositoryRoleStep(id: string, email: string, role: string, why: string, ctx: Where): Step {
  return {
    id,
    description: `grant ${role} on the repository ${DEFAULTS.repository} to ${email} (${why})`,
    argv: ['gcloud', 'artifacts', 'repositories', 'add-iam-policy-binding', DEFAULTS.repository, '--location', ctx.region, '--project', ctx.project, `--member=serviceAccount:${email}`, `--role=${role}`, '--format=none'],
    wait: iamWait(`granting ${role} on the repository to ${email}`, ctx),
  };
}

/** A Cloud Storage bucket in the region with uniform access, skipped when it exists, deleted (with its objects) by teardown. */
export function bucketStep(id: string, platform: CreatedResource['platform'], bucket: string, why: string, ctx: Where): Step {
  return {
    id,
    description: `create the bucket ${bucket} in ${ctx.region} (${why})`,
    probe: ['gcloud', 'storage', 'buckets', 'describe', bucket, '--project', ctx.project, '--format=value(name)'],
    argv: ['gcloud', 'storage', 'buckets', 'create', bucket, '--location', ctx.region, '--project', ctx.project, '--uniform-bucket-level-access'],
    creates: { platform, kind: 'bucket', name: bucket, deleteArgv: ['gcloud', 'storage', 'rm', '--recursive', bucket, '--project', ctx.project, '--quiet'] },
    hint: `bucket names are global: if ${bucket} belongs to another project, delete it there or use another project`,
  };
}

export function bucketRoleStep(id: string, bucket: string, member: string, role: string, why: string, ctx: Where): Step {
  const project = ctx.project;
  return {
    id,
    description: `grant ${role} on ${bucket} to ${member} (${why})`,
    argv: ['gcloud', 'storage', 'buckets', 'add-iam-policy-binding', bucket, `--member=${member}`, `--role=${role}`, '--project', project, '--format=none'],
    wait: iamWait(`granting ${role} on ${bucket}`, ctx),
  };
}

/**
 * Artifact Registry repository, the build's own service account (logs, source bucket, push to the repository)
 * and the image build; each skipped when it is there already.
 */
export function imageSteps(ctx: DeployContext): Step[] {
  const { project, region } = ctx;
  const steps: Step[] = [
    {
      id: 'shared.repository',
      description: `create the Artifact Registry Docker repository "${DEFAULTS.repository}" in ${region}`,
      probe: ['gcloud', 'artifacts', 'repositories', 'describe', DEFAULTS.repository, '--location', region, '--project', project],
      argv: ['gcloud', 'artifacts', 'repositories', 'create', DEFAULTS.repository, '--repository-format=docker', '--location', region, '--project', project, '--description=s2s-latency images'],
      creates: {
        platform: 'shared',
        kind: 'artifact-repository',
        name: DEFAULTS.repository,
        deleteArgv: ['gcloud', 'artifacts', 'repositories', 'delete', DEFAULTS.repository, '--location', region, '--project', project, '--quiet'],
      },
    },
  ];
  if (!ctx.options.skipBuild) {
    const sa = buildServiceAccount(project);
    const bucket = buildBucket(project);
    steps.push(
      serviceAccountStep('shared.build-sa', 'shared', 's2s-build', 's2s-latency Cloud Build', 'the identity Cloud Build runs the image build as', project),
      projectRoleStep('shared.build-sa.logs', 'shared', sa, 'roles/logging.logWriter', 'the build writes its log to Cloud Logging', ctx),
      repositoryRoleStep('shared.build-sa.push', sa, 'roles/artifactregistry.writer', 'the build pushes the image', ctx),
      bucketStep('shared.build-bucket', 'shared', bucket, 'the source upload of the build', ctx),
      bucketRoleStep('shared.build-sa.source', bucket, `serviceAccount:${sa}`, 'roles/storage.objectViewer', 'the build reads the uploaded source', ctx),
      {
        id: 'shared.image',
        description: `build and push the image ${ctx.image} with Cloud Build, as ${sa}`,
        probe: ['gcloud', 'artifacts', 'docker', 'images', 'describe', ctx.image, '--project', project],
        argv: [
          'gcloud', 'builds', 'submit', '--config', 'deploy/cloudbuild.yaml', '--substitutions', `_IMAGE=${ctx.image}`,
          `--service-account=projects/${project}/serviceAccounts/${sa}`, `--gcs-source-staging-dir=${bucket}/source`, '--project', project, '.',
        ],
        hint: `see the Cloud Build log linked above; you need roles/cloudbuild.builds.editor and roles/iam.serviceAccountUser (to run the build as ${sa}); a fresh account's roles can take a minute to apply: run the same deploy again`,
      },
    );
  }
  return steps;
}
