import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { NotFoundError, UserInputError } from '../../common/errors.js';
import { OidcPayloadEntity } from '../adapter/oidc-payload.entity.js';
import { RevocationList } from '../revocations/revocation-list.js';
import { isScope, SCOPES } from '../scopes.js';
import { CLIENT_TYPES, ClientEntity, type ClientType } from './client.entity.js';
import { isConfidential } from './client-metadata.js';
import { generateClientSecret, hashClientSecret } from './client-secret.js';
import { redirectUriProblems } from './redirect-uris.js';

export interface NewClient {
  name: string;
  type: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Space-separated; defaults to every registered scope the type can use. */
  scope?: string;
  introspection?: boolean;
}

export interface CreatedClient {
  client: ClientEntity;
  /** Present only for confidential types, and only now: it is never shown again. */
  clientSecret?: string;
}

/** Registers and manages applications (OAuth clients). */
@Injectable()
export class ClientsService {
  private readonly clients: Repository<ClientEntity>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: RevocationList,
  ) {
    this.clients = dataSource.getRepository(ClientEntity);
  }

  async create(input: NewClient): Promise<CreatedClient> {
    const type = parseType(input.type);
    const name = input.name?.trim();
    if (!name || name.length > 200) {
      throw new UserInputError('name is required and must be at most 200 characters');
    }
    const redirectUris = unique(input.redirectUris ?? []);
    const postLogoutRedirectUris = unique(input.postLogoutRedirectUris ?? []);
    const problems = redirectUriProblems(type, [...redirectUris, ...postLogoutRedirectUris]);
    if (type !== 'service' && redirectUris.length === 0) {
      problems.unshift(`a ${type} application needs at least one --redirect-uri`);
    }
    if (input.introspection && !isConfidential(type)) {
      problems.push('only confidential applications (web, service) can be resource servers');
    }
    if (problems.length) {
      throw new UserInputError(problems.join('\n'));
    }
    const clientSecret = isConfidential(type) ? generateClientSecret() : undefined;
    const client = this.clients.create({
      // 128 random bits in hex: URL- and shell-safe, and never starting with '-' (which a
      // command line would take for an option).
      id: randomBytes(16).toString('hex'),
      name,
      type,
      secretHash: clientSecret ? hashClientSecret(clientSecret) : null,
      redirectUris,
      postLogoutRedirectUris,
      scope: parseScope(type, input.scope),
      introspection: input.introspection ?? false,
    });
    await this.clients.insert(client);
    return { client, clientSecret };
  }

  find(id: string): Promise<ClientEntity | null> {
    return this.clients.findOneBy({ id });
  }

  list(): Promise<ClientEntity[]> {
    return this.clients.find({ order: { createdAt: 'ASC', name: 'ASC' } });
  }

  /** Replaces the secret of a confidential application; the old one stops working at once. */
  async rotateSecret(id: string): Promise<string> {
    const client = await this.get(id);
    if (!isConfidential(client.type)) {
      throw new UserInputError(`${client.type} applications are public and have no secret`);
    }
    const clientSecret = generateClientSecret();
    await this.clients.update({ id }, { secretHash: hashClientSecret(clientSecret) });
    return clientSecret;
  }

  /**
   * Deletes an application and, in the same transaction, every grant, code and token it holds.
   * Its self-encoded access tokens are not stored: they are refused through the revocation list,
   * recorded first so that no moment exists where the app is gone but its JWTs still pass.
   */
  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.revocations.revoke('client', id);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(OidcPayloadEntity, { clientId: id });
      await manager.delete(ClientEntity, { id });
    });
  }

  private async get(id: string): Promise<ClientEntity> {
    const client = await this.find(id);
    if (!client) {
      throw new NotFoundError(`no application with client_id ${id}`);
    }
    return client;
  }
}

function parseType(type: string): ClientType {
  if (!(CLIENT_TYPES as readonly string[]).includes(type)) {
    throw new UserInputError(`type must be one of ${CLIENT_TYPES.join(', ')}`);
  }
  return type as ClientType;
}

function parseScope(type: ClientType, scope: string | undefined): string {
  const interactiveOnly = new Set(['openid', 'profile', 'email', 'offline_access']);
  const usable = Object.keys(SCOPES).filter((s) => type !== 'service' || !interactiveOnly.has(s));
  if (scope === undefined) {
    return usable.join(' ');
  }
  const requested = unique(scope.split(/\s+/).filter(Boolean));
  const unknown = requested.filter((s) => !isScope(s));
  if (unknown.length) {
    throw new UserInputError(
      `unknown scope ${unknown.join(', ')}; known scopes: ${Object.keys(SCOPES).join(' ')}`,
    );
  }
  const unusable = requested.filter((s) => !usable.includes(s));
  if (unusable.length) {
    throw new UserInputError(
      `a ${type} application has no user and cannot use ${unusable.join(', ')}`,
    );
  }
  return requested.join(' ');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
