export const notDefault = () => true;
