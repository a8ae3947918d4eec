// uploadWorkbook over the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec): an
// "operations" part, a "map" part and the file. XMLHttpRequest rather than
// fetch, for upload progress.
import { GraphQLRequestError, type GraphQLErrorLike } from './errors';

export interface UploadOptions {
  url?: string;
  token: string | null;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export function multipartBody(query: string, variables: Record<string, unknown>, files: Record<string, File>): FormData {
  const vars: Record<string, unknown> = { ...variables };
  const map: Record<string, string[]> = {};
  Object.keys(files).forEach((name, i) => {
    vars[name] = null;
    map[String(i)] = [`variables.${name}`];
  });
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: vars }));
  form.append('map', JSON.stringify(map));
  Object.values(files).forEach((file, i) => form.append(String(i), file, file.name));
  return form;
}

export function graphqlMultipart<T>(
  query: string,
  variables: Record<string, unknown>,
  files: Record<string, File>,
  { url = '/graphql', token, onProgress, signal }: UploadOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json');
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new TypeError('network error: the server could not be reached'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    xhr.onload = () => {
      let body: { data?: T; errors?: GraphQLErrorLike[] } | null = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (body?.errors && body.errors.length > 0) {
        reject(new GraphQLRequestError(body.errors, xhr.status));
        return;
      }
      if (xhr.status === 413) {
        reject(new GraphQLRequestError([{ message: 'The file is larger than the server accepts.', extensions: { code: 'QUOTA_EXCEEDED' } }], 413));
        return;
      }
      if (xhr.status < 200 || xhr.status >= 300 || !body?.data) {
        reject(new GraphQLRequestError([{ message: `Upload failed: the server answered HTTP ${xhr.status}.` }], xhr.status));
        return;
      }
      resolve(body.data);
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(multipartBody(query, variables, files));
  });
}
