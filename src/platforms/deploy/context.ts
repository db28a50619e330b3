// What every plan builder gets (project, region, options, state, image) and the steps both platforms share:
// enabling APIs, the Artifact Registry repository, and building the image with Cloud Build.
import { fileURLToPath } from 'node:url';
import { DEFAULTS, type DeployOptions } from './options.ts';
import type { Step } from './plan.ts';
import type { DeployState } from './state.ts';

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
}

export function imageRef(project: string, region: string, tag: string): string {
  return `${region}-docker.pkg.dev/${project}/${DEFAULTS.repository}/app:${tag}`;
}

export function pingServiceAccount(project: string): string {
  return `ping-sa@${project}.iam.gserviceaccount.com`;
}

export function enableApisStep(id: string, project: string, apis: string[]): Step {
  return {
    id,
    description: `enable the APIs ${apis.join(', ')}`,
    argv: ['gcloud', 'services', 'enable', ...apis, '--project', project],
    hint: 'enabling APIs needs roles/serviceusage.serviceUsageAdmin and a billing account linked to the project (`gcloud billing projects describe <project>`)',
  };
}

/** Artifact Registry repository + image build, skipped when the repository / the tag already exist. */
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
    steps.push({
      id: 'shared.image',
      description: `build and push the image ${ctx.image} with Cloud Build`,
      probe: ['gcloud', 'artifacts', 'docker', 'images', 'describe', ctx.image, '--project', project],
      argv: ['gcloud', 'builds', 'submit', '--config', 'deploy/cloudbuild.yaml', '--substitutions', `_IMAGE=${ctx.image}`, '--project', project, '.'],
      hint: 'see the Cloud Build log linked above; the build needs the Cloud Build API and write access to the repository',
    });
  }
  return steps;
}
